/**
 * A service's background duty (a sweep, a snapshot) run again `intervalMs` after each run ends, until stopped: runs
 * never overlap, and a slow one delays the next rather than piling up. The task handles its own failures.
 */
export class Repeating {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  /** The first run in `firstInMs` (one interval unless told). */
  start(firstInMs = this.intervalMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.task().finally(() => this.start()), firstInMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
