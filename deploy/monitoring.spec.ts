import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const RULES = path.join(__dirname, 'prometheus', 'flotilla-alerts.yaml');
const { groups } = parse(fs.readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
const rules = groups.flatMap((g) => g.rules);
const readme = fs.readFileSync(path.join(__dirname, 'README.md'), 'utf8');
const metricsTable = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
/** Whether the README's table of metrics names this one (alone, or as a `_suffix` of one named before it). */
const documented = (metric: string) =>
  metricsTable.includes(`\`${metric}\``) ||
  [...metricsTable.matchAll(/`(_[a-z_]+)`/g)].some(
    ([, suffix]) => metric.endsWith(suffix) && metricsTable.includes(`\`${metric.slice(0, -suffix.length)}_`),
  );

/** The names of the metrics the apps and libs register (`name: 'flotilla_…'`, or a gauge helper's first argument). */
function registeredMetrics(): string[] {
  const root = path.join(__dirname, '..');
  const names = new Set<string>();
  for (const top of ['apps', 'libs'])
    for (const file of fs.readdirSync(path.join(root, top), { recursive: true, encoding: 'utf8' }))
      if (file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.includes('node_modules'))
        for (const [, name] of fs
          .readFileSync(path.join(root, top, file), 'utf8')
          .matchAll(/(?:name: |gauge\(\s*)'(flotilla_[a-z_]+)'/g))
          names.add(name);
  return [...names];
}

/** Whether brackets of every kind open and close in order (PromQL's label matchers, ranges and calls). */
function balanced(expr: string): boolean {
  const open: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const c of expr.replace(/"[^"]*"/g, '""')) {
    if ('([{'.includes(c)) open.push(c);
    else if (c in pairs && open.pop() !== pairs[c]) return false;
  }
  return open.length === 0;
}

describe('deploy/prometheus alerting rules', () => {
  it('are Prometheus rule groups, each alert named once, with a severity, a summary and a description', () => {
    expect(rules.length).toBeGreaterThan(5);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(Object.keys(rule).sort()).toEqual(
        ['alert', 'annotations', 'expr', 'labels', ...(rule.for ? ['for'] : [])].sort(),
      );
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.description.length).toBeGreaterThan(20);
      expect(rule.for ?? '1m').toMatch(/^\d+[smh]$/);
      expect(balanced(rule.expr)).toBe(true);
    }
  });

  it('are each explained in deploy/README.md, and read only metrics the README documents', () => {
    for (const rule of rules) expect(readme).toContain(`\`${rule.alert}\``);
    const ours = new Set(rules.flatMap((r) => r.expr.match(/\bflotilla_[a-z_]+\b/g) ?? []));
    for (const metric of ours) expect({ metric, documented: documented(metric) }).toEqual({ metric, documented: true });
  });
});

describe("the README's table of metrics", () => {
  it('names every metric the services register', () => {
    const registered = registeredMetrics();
    expect(registered).toEqual(
      expect.arrayContaining([
        'flotilla_consumer_lag',
        'flotilla_consumer_busy_seconds',
        'flotilla_device_checks_total',
      ]),
    );
    expect(registered.filter((metric) => !documented(metric))).toEqual([]);
  });
});
