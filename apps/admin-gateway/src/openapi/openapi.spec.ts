import { INestApplication } from '@nestjs/common';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { TEST_KEYS } from '@flotilla/testing';
import { createGateway } from '../bootstrap';
import { DEVICE_UPDATE_PATH } from '../firmware/device-update.route';
import { configFromEnv } from '../config';

type Operation = {
  summary?: string;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: { $ref?: string; example?: unknown } }>; headers?: Record<string, unknown> }
  >;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, any> } };

/**
 * What the router holds that is no endpoint of the API: the document itself (its UI and its JSON and YAML forms), and
 * middleware bound to every path (request logging).
 */
const notEndpoints = /^\/(docs|openapi\.json)|\*splat/;

describe('the OpenAPI document', () => {
  let app: INestApplication;
  let document: Document;
  let source: string;

  beforeAll(async () => {
    const config = configFromEnv({
      ...TEST_KEYS,
      NATS_URL: process.env.NATS_URL,
      FLOTILLA_ADMIN_TOKEN: 'r'.repeat(40),
    });
    app = await createGateway({ ...config, logLevel: 'error' });
    await app.listen(0, '127.0.0.1');
    source = await (await fetch(`${await app.getUrl()}/openapi.json`)).text();
    document = JSON.parse(source);
  });

  afterAll(async () => {
    await app.close();
  });

  it("passes Redocly's recommended lint (health and metrics answer no 4xx, and say so)", async () => {
    const problems = await lintFromString({
      source,
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    });
    const open = /^#\/paths\/~1(health~1(live|ready)|metrics)\/get\/responses$/;
    expect(
      problems
        .filter((p) => !(p.ruleId === 'operation-4xx-response' && open.test(p.location[0].pointer ?? '')))
        .map((p) => `${p.severity} ${p.ruleId}: ${p.message} @ ${p.location[0].pointer}`),
    ).toEqual([]);
  });

  it('lists every route the gateway serves, and no other', () => {
    const router = (app.getHttpAdapter().getInstance() as { router: { stack: { route?: any }[] } }).router;
    const served = router.stack
      .filter((layer) => layer.route && !notEndpoints.test(layer.route.path))
      .flatMap((layer) =>
        Object.keys(layer.route.methods).map((m) => `${m} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`),
      )
      .concat(`get ${DEVICE_UPDATE_PATH}`) // served ahead of Express (device-update.route.ts)
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m} ${path}`))
      .sort();
    expect(served.length).toBeGreaterThan(60);
    expect(documented).toEqual(served);
  });

  it('gives every route a summary, its answers and bodies with schemas, and every schema an example that fits it', () => {
    const problems: string[] = [];
    const schemaOf = (ref: string | undefined) =>
      ref ? document.components.schemas[ref.split('/').pop()!] : undefined;
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(operations)) {
        const at = `${method} ${path}`;
        if (!operation.summary) problems.push(`${at}: no summary`);
        const success = Object.entries(operation.responses).filter(([status]) => /^2/.test(status));
        if (!success.length) problems.push(`${at}: no success answer`);
        for (const [status, response] of success) {
          if (status === '204') continue;
          const schema = Object.values(response.content ?? {})[0]?.schema;
          if (!schema) problems.push(`${at} ${status}: no schema`);
          else if (schema.$ref ? schemaOf(schema.$ref)?.example === undefined : schema.example === undefined)
            if (!/^\/health/.test(path)) problems.push(`${at} ${status}: no example`);
        }
        if (!/4XX|401/.test(Object.keys(operation.responses).join()) && !/^\/(health|metrics)/.test(path))
          problems.push(`${at}: no error answer`);
        const body = operation.requestBody?.content['application/json']?.schema;
        if (body && schemaOf(body.$ref)?.example === undefined) problems.push(`${at}: a body without an example`);
      }
    expect(problems).toEqual([]);

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      if (schema.example === undefined) continue;
      const validate = ajv.compile({ ...schema, components: document.components });
      expect([name, validate(schema.example) ? [] : validate.errors]).toEqual([name, []]);
    }
  });

  it('documents the X-Request-Id header of every answer', () => {
    const missing = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        Object.entries(operation.responses)
          .filter(([, response]) => response.headers?.['X-Request-Id'] === undefined)
          .map(([status]) => `${method} ${path} ${status}`),
      ),
    );
    expect(missing).toEqual([]);
  });

  it('documents the bodies the routes take', () => {
    const bodies = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.requestBody)
        .map(([method]) => `${method} ${path}`),
    );
    expect(bodies).toEqual(
      expect.arrayContaining([
        'post /projects/{id}/devices/batch',
        'post /organizations',
        'put /capacity/{facility}/{plan}',
        'post /orgs/{org}/products/{product}/deployments',
        'put /orgs/{org}/products/{product}/devices/{identifier}',
      ]),
    );
  });
});
