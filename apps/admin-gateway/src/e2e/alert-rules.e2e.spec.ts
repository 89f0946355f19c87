import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { RunningSystem, startRunningSystem } from '../test-fixtures/running-system';

const RULES = path.join(__dirname, '../../../../deploy/prometheus/flotilla-alerts.yaml');

/** The metrics an alerting rule reads (ours and Node's), by name. */
function metricsRead(): string[] {
  const { groups } = parse(fs.readFileSync(RULES, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  const exprs = groups.flatMap((g) => g.rules.map((r) => r.expr));
  return [...new Set(exprs.flatMap((expr) => expr.match(/\b(flotilla|nodejs)_[a-z0-9_]+\b/g) ?? []))].sort();
}

/** deploy/prometheus's alerts read what the running services export, so none of them is silent for want of a metric. */
describe('alerting rules against the running system (e2e)', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startRunningSystem('E2EA', {}, { withResolver: true });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('read only metrics that the orchestrator, the resolver or the gateway export', async () => {
    const read = metricsRead();
    expect(read.length).toBeGreaterThan(5);
    const exported = new Set([...(await system.metrics()).matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name));
    expect(read.filter((name) => !exported.has(name))).toEqual([]);
  });
});
