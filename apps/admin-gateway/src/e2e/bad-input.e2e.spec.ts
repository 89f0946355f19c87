import { RunningSystem, startRunningSystem } from '../test-fixtures/running-system';

/** What a careless or hostile client sends in place of a field: wrong types, huge numbers, wildcards, long text. */
const ODD_VALUES: unknown[] = [null, 1e308, -1, 1.5, true, '', '*', '>', 'a b', 'x'.repeat(5_000), [], [[]], {}];
/** What it puts in a path segment instead of an id, a code or a name (not `..`: a URL parser resolves it first). */
const ODD_SEGMENTS = ['*', '%3E', 'a%20b', 'x.', '.x', '-1', 'x'.repeat(300)];

type Operation = { requestBody?: { content: { 'application/json': { schema: { $ref?: string } } } } };
type ApiDocument = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { example?: unknown }> };
};

/** Every way of changing one field of an example to one odd value, at any depth, and of leaving it out. */
function mutationsOf(example: unknown): unknown[] {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      const step = Array.isArray(value) ? Number(key) : key;
      paths.push([...path, step]);
      walk(inner, [...path, step]);
    }
  };
  walk(example, []);
  const changed = (path: (string | number)[], to: unknown, drop = false) => {
    const copy = structuredClone(example) as Record<string | number, unknown>;
    const parent = path.slice(0, -1).reduce((at, step) => at[step] as Record<string | number, unknown>, copy);
    if (drop) delete parent[path[path.length - 1]];
    else parent[path[path.length - 1]] = to;
    return copy;
  };
  return [
    ...paths.flatMap((path) => [...ODD_VALUES.map((odd) => changed(path, odd)), changed(path, undefined, true)]),
    ...ODD_VALUES.map((odd) => ({ ...(example as object), unexpected: odd })),
    ...ODD_VALUES,
  ];
}

/**
 * Every route of the API document, given odd bodies and odd path segments by the platform's administrator (who gets
 * furthest): each answer is a documented one below 500, and nothing that was taken parks a consumer (no event reached
 * a log that a read model or workflow could not apply).
 */
describe('admin gateway: odd input on every route (e2e)', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startRunningSystem('E2EODD', {}, { withResolver: true });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('answers every odd request below 500, as documented, and parks nothing', async () => {
    const root = system.rootToken;
    const call = (method: string, path: string, body?: unknown) => system.call(method, path, root, body);
    const organization = (await call('POST', '/organizations', { name: 'Odd' })).body.id;
    const project = (await call('POST', `/organizations/${organization}/projects`, { name: 'p' })).body.id;
    const products = `/orgs/${organization}/products`;
    await call('POST', products, { product: { name: 'gadget' } });
    const doc = (await (await fetch(`${system.base}/openapi.json`)).json()) as ApiDocument;
    const segments: Record<string, string> = { org: organization, product: 'gadget', type: 'batch' };
    const idOf = (path: string) =>
      path.startsWith('/organizations') ? organization : path.startsWith('/projects') ? project : 'x';

    const failures: string[] = [];
    const attempt = async (method: string, path: string, body?: unknown) => {
      try {
        const answer = await call(method, path, body);
        if (answer.status >= 500)
          failures.push(
            `${method} ${path} ${JSON.stringify(body)?.slice(0, 120)}: ${answer.status} ${JSON.stringify(answer.body)}`,
          );
      } catch (err) {
        failures.push(`${method} ${path} ${JSON.stringify(body)?.slice(0, 120)}: ${(err as Error).message}`);
      }
    };
    for (const [template, operations] of Object.entries(doc.paths)) {
      if (!template.includes('{') && !Object.values(operations).some((o) => o.requestBody)) continue;
      const fill = (odd?: [string, string]) =>
        template.replace(/\{(\w+)\}/g, (_, name: string) =>
          odd?.[0] === name ? odd[1] : (segments[name] ?? (name === 'id' ? idOf(template) : 'x')),
        );
      for (const [method, operation] of Object.entries(operations)) {
        const verb = method.toUpperCase();
        const ref = operation.requestBody?.content['application/json'].schema.$ref;
        const example = ref ? (doc.components.schemas[ref.split('/').pop() as string].example ?? {}) : undefined;
        for (const name of [...template.matchAll(/\{(\w+)\}/g)].map(([, n]) => n))
          for (const odd of ODD_SEGMENTS) await attempt(verb, fill([name, odd]), example);
        if (example !== undefined) for (const body of mutationsOf(example)) await attempt(verb, fill(), body);
      }
    }
    // What the services said meanwhile is what tells why, when a failure is an outage rather than an answer.
    if (failures.length)
      for (const service of [system.orchestrator, ...system.resolvers])
        failures.push(
          ...service
            .output()
            .split('\n')
            .filter((line) => /"level":"(warn|error|fatal)"/.test(line))
            .slice(-10),
        );
    expect(failures).toEqual([]);

    const parked = [...(await system.metrics()).matchAll(/^flotilla_consumer_parked\{[^}]*\} (\S+)$/gm)];
    expect(parked.length).toBeGreaterThan(0);
    expect(parked.filter(([, value]) => Number(value) !== 0).map(([line]) => line)).toEqual([]);
  }, 300_000);
});
