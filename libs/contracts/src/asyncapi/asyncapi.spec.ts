import fs from 'node:fs';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { BatchEventVersions, TenancyEventVersions, UpdateEventVersions } from '@flotilla/events';
import { AllSubjects } from '../subjects';
import { asyncApiYaml } from './asyncapi-yaml';
import { IntegrationEvents } from './asyncapi-document';

const root = path.resolve(__dirname, '../../../..');
const committed = fs.readFileSync(path.join(root, 'libs/contracts/asyncapi.yaml'), 'utf8');

describe('asyncapi.yaml', () => {
  it('is what the registry and the event types generate (run `npm run asyncapi` after changing either)', () => {
    expect(committed).toBe(asyncApiYaml(root));
  });

  it('parses with the AsyncAPI parser without errors, and holds every subject, event type and version', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();

    const addresses = document!
      .channels()
      .all()
      .map((channel) => channel.address());
    const missing = AllSubjects.map((s) => `{prefix}.${s.name}`).filter((a) => !addresses.includes(a));
    expect(missing).toEqual([]);
    for (const subject of AllSubjects) {
      const operation = document!.operations().get(subject.name);
      expect(operation?.reply()?.messages().all()).toHaveLength(1);
    }

    const titles = document!
      .messages()
      .all()
      .map((message) => message.title());
    const events = { ...TenancyEventVersions, ...BatchEventVersions, ...UpdateEventVersions };
    const absent = Object.entries(events)
      .map(([type, v]) => `${type} v${v}`)
      .filter((title) => !titles.includes(title));
    expect(absent).toEqual([]);
    // Every schema it defines is one a message refers to, directly or through another schema.
    const defined = Object.keys((parse(committed) as { components: { schemas: object } }).components.schemas);
    const unreferenced = defined.filter((name) => !committed.includes(`$ref: "#/components/schemas/${name}"`));
    expect(unreferenced).toEqual([]);
    for (const type of IntegrationEvents) {
      const message = document!
        .messages()
        .all()
        .find((m) => m.name() === type);
      expect(message?.extensions().get('x-integration')?.value()).toBe(true);
    }
  });
});
