import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

/** Running: neither gone nor a zombie (whoever adopts an orphan may be slow to reap it, or never do). */
const alive = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
};

describe('a harness stopped by a signal', () => {
  it('takes the processes it started with it', async () => {
    // A harness of its own: it starts a long sleeper tied to it, says the sleeper's pid, and waits to be stopped.
    const harness = `
      const { spawn } = require('node:child_process');
      const { endsWithThisProcess, exitOnSignals } = require(${JSON.stringify(path.join(__dirname, 'child-lifetime'))});
      exitOnSignals();
      const sleeper = endsWithThisProcess(spawn('sleep', ['60'], { stdio: 'ignore' }));
      process.stdout.write(sleeper.pid + '\\n');
      setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', harness], {
      env: {
        ...process.env,
        TS_NODE_PROJECT: path.resolve(__dirname, '../../../tsconfig.spec.json'),
        TS_NODE_COMPILER_OPTIONS: '{"ignoreDeprecations":"6.0"}',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [chunk] = (await Promise.race([
      once(child.stdout, 'data'),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`the harness exited first (${code})`))),
    ])) as [Buffer];
    const sleeper = Number(String(chunk).trim());
    expect(alive(sleeper)).toBe(true);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(143);
    // SIGKILLed on the harness's way out: give the signal a moment to land.
    for (let i = 0; i < 50 && alive(sleeper); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive(sleeper)).toBe(false);
  });
});
