import { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();

function killRunning(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * Ties a child process to this one: still running when this process exits, it is killed. A harness stopped by a
 * signal (see `exitOnSignals`) then leaves no services or servers of its own behind.
 */
export function endsWithThisProcess<T extends ChildProcess>(child: T): T {
  if (running.size === 0) process.on('exit', killRunning);
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) process.off('exit', killRunning);
  });
  return child;
}

/**
 * Makes SIGINT, SIGTERM and SIGHUP end this process through `exit`, whose handlers (`endsWithThisProcess`) run; by
 * default Node dies of them without running any.
 */
export function exitOnSignals(): void {
  const codes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
  for (const [signal, code] of Object.entries(codes)) process.once(signal, () => process.exit(code));
}
