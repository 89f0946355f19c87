import { exitCodeOf, startServiceProcess } from '@flotilla/testing';

/** Runs the CLI as an operator does and returns its exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number | null; output: string }> {
  const run = startServiceProcess('apps/cli/src/main.ts', {}, args);
  return { code: await exitCodeOf(run), output: run.output() };
}

describe('the CLI, run as an operator runs it', () => {
  it('answers a command missing its aggregate, or an unknown one, with its usage and exit code 2; help with 0', async () => {
    for (const args of [['audit', 'batch'], ['time-travel', 'batch', '--at-seq', '3'], ['frobnicate']]) {
      const { code, output } = await cli(...args);
      expect({ args, code, usage: output.includes('Aggregate types and names') }).toEqual({
        args,
        code: 2,
        usage: true,
      });
    }
    const help = await cli('help');
    expect([help.code, help.output]).toEqual([0, expect.stringContaining('audit <aggregate-type> <name>')]);
  }, 60_000);
});
