import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { endsWithThisProcess } from './child-lifetime';
import { TEST_KEYS } from './test-infrastructure';

/** The repository's root, from the sources or from dist/ alike. */
const ROOT = (function find(dir: string): string {
  return fs.existsSync(path.join(dir, 'nx.json')) || dir === path.dirname(dir) ? dir : find(path.dirname(dir));
})(__dirname);

export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs an app's main.ts from source in its own process, as `npm start` runs the built one, with the test keys. */
export function startServiceProcess(
  mainFile: string,
  env: Record<string, string>,
  args: string[] = [],
): ServiceProcess {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', path.join(ROOT, mainFile), ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...TEST_KEYS,
        ...env,
        TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.spec.json'),
        TS_NODE_COMPILER_OPTIONS: '{"ignoreDeprecations":"6.0"}',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return handle(child);
}

/**
 * Runs an app built into dist/ (`nx build <app>`) in its own process, as `npm start` does. `nodeArgs` adds Node
 * options (e.g. `--cpu-prof`), `args` the app's own; with `stderrOnly` its logs (stdout) are dropped and its stderr
 * is this process's.
 */
export function startBuiltService(
  app: string,
  env: Record<string, string>,
  options: { nodeArgs?: string[]; stderrOnly?: boolean; args?: string[] } = {},
): ServiceProcess {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '-r',
      path.join(ROOT, 'tools/register-paths.js'),
      path.join(ROOT, 'dist/apps', app, 'src/main.js'),
      ...(options.args ?? []),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: options.stderrOnly ? ['ignore', 'ignore', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    },
  );
  return handle(child);
}

/** Processes whose end a test awaits (`exited`): their failing exit is the test's to report. */
const awaited = new WeakSet<ChildProcess>();

function handle(child: ChildProcess): ServiceProcess {
  endsWithThisProcess(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-200_000)));
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-200_000)));
  // A service that crashes under a test (not one a test stops or kills) says why in the test's output, since what
  // the test then sees (a 503, a timeout) does not.
  child.once('exit', (code) => {
    if (code && !awaited.has(child))
      process.stderr.write(
        `[service ${child.pid} exited with code ${code}] its last output:\n${output.slice(-4_000)}\n`,
      );
  });
  return {
    child,
    output: () => output,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** Waits until GET url answers 200. */
export async function waitForHttp(url: string, process?: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = process?.child ?? { exitCode: null, signalCode: null };
    if (exitCode !== null || signalCode !== null)
      throw new Error(`process exited early (${signalCode ?? `code ${exitCode}`}):\n${process?.output()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms\n${process?.output() ?? ''}`);
}

/** The process's exit code once it has ended (null if a signal ended it): its exit is the test's to judge. */
export function exitCodeOf(process: ServiceProcess): Promise<number | null> {
  awaited.add(process.child);
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', () => resolve(child.exitCode)));
}

/** Resolves once the process has ended with exit code 0; rejects with its output otherwise. */
export async function exited(process: ServiceProcess): Promise<void> {
  if ((await exitCodeOf(process)) !== 0)
    throw new Error(`exited with ${process.child.exitCode ?? process.child.signalCode}:\n${process.output()}`);
}
