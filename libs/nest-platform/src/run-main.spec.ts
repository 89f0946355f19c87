import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs `runMain` in a process of its own with `main`'s body, and reads the line it leaves on stderr. */
function run(body: string) {
  const script = `require(${JSON.stringify(join(__dirname, 'service-config'))}).runMain('svc', async () => { ${body} });`;
  const child = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(__dirname, '..', '..', '..', 'tsconfig.spec.json'),
        // The options the test runner gives ts-node, with leave to use the deprecated module resolution they name.
        TS_NODE_COMPILER_OPTIONS: JSON.stringify({
          ...JSON.parse(process.env.TS_NODE_COMPILER_OPTIONS ?? '{}'),
          ignoreDeprecations: '6.0',
        }),
      },
      timeout: 60_000,
    },
  );
  const last = child.stderr.trim().split('\n').pop() ?? '';
  return { status: child.status, line: JSON.parse(last) as Record<string, string> };
}

describe('runMain', () => {
  it('ends the process with one structured line when start-up fails', () => {
    const { status, line } = run(`throw new Error('no database');`);
    expect(status).toBe(1);
    expect(line).toMatchObject({ level: 'error', service: 'svc', msg: 'failed to start' });
    expect(line.error).toContain('no database');
  });

  it('ends it the same way on a rejection nothing handles after start-up, as a bug would leave one', () => {
    const { status, line } = run(`setTimeout(() => Promise.reject(new Error('lost reply')), 10);`);
    expect(status).toBe(1);
    expect(line).toMatchObject({ level: 'error', service: 'svc', msg: 'unhandled rejection' });
    expect(line.error).toContain('lost reply');
  });

  it('and on an exception nothing catches', () => {
    const { status, line } = run(`setTimeout(() => { throw new Error('bad callback'); }, 10);`);
    expect(status).toBe(1);
    expect(line).toMatchObject({ msg: 'uncaught exception' });
    expect(line.error).toContain('bad callback');
  });
});
