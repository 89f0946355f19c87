/** Where a progress bar writes: stderr, or anything that looks like it. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * A progress bar per read model. On a terminal it is redrawn in place; elsewhere (a log file, a Kubernetes Job's log)
 * it is a line at each tenth of the way, so a rebuild of a million events leaves ten lines, not a million redraws.
 */
export function progressBar(output: ProgressOutput = process.stderr) {
  return (name: string) => {
    let tenthsShown = -1;
    return (position: number, target: number) => {
      const ratio = target ? Math.min(1, position / target) : 1;
      const filled = Math.round(ratio * 30);
      const line =
        `${name.padEnd(18)} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(ratio * 100).toFixed(0)}%  ` +
        `seq ${position}/${target}`;
      if (output.isTTY) {
        output.write(`\r${line}${ratio === 1 ? '\n' : ''}`);
        return;
      }
      const tenths = Math.floor(ratio * 10);
      if (tenths > tenthsShown) {
        tenthsShown = tenths;
        output.write(`${line}\n`);
      }
    };
  };
}
