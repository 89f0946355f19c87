import { progressBar } from './progress-bar';

function run(isTTY: boolean, target: number, step: number) {
  const written: string[] = [];
  const report = progressBar({ isTTY, write: (text: string) => written.push(text) })('batches');
  for (let position = 0; position <= target; position += step) report(position, target);
  return written;
}

describe('the progress bar', () => {
  it('is redrawn in place on a terminal and ends its line when done', () => {
    const written = run(true, 1_000, 100);
    expect(written).toHaveLength(11);
    expect(written.every((text) => text.startsWith('\r'))).toBe(true);
    expect(written.slice(0, -1).some((text) => text.endsWith('\n'))).toBe(false);
    expect(written.at(-1)).toBe(`\rbatches            [${'#'.repeat(30)}] 100%  seq 1000/1000\n`);
  });

  it('writes a line per tenth of the way elsewhere, however often it is told', () => {
    const written = run(false, 1_000_000, 500);
    expect(written).toHaveLength(11);
    expect(written.every((text) => text.endsWith('\n') && !text.includes('\r'))).toBe(true);
    expect(written[0]).toBe(`batches            [${'.'.repeat(30)}] 0%  seq 0/1000000\n`);
    expect(written[5]).toContain('50%  seq 500000/1000000');
  });

  it('counts an empty read model as done', () => {
    expect(run(false, 0, 1)).toEqual([`batches            [${'#'.repeat(30)}] 100%  seq 0/0\n`]);
  });
});
