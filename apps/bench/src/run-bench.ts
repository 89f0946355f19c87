import fs from 'node:fs';
import path from 'node:path';
import { Figure, ScenarioContext } from './measure';
import { scenarios } from './scenarios';

export interface BenchReport {
  startedAt: string;
  scale: number;
  results: Record<string, Figure[]>;
}

/** Runs the named scenarios (all if none), prints a table, writes JSON into `outDir`. */
export async function runBench(
  names: string[],
  context: ScenarioContext,
  outDir: string,
): Promise<{ report: BenchReport; file: string }> {
  const chosen = names.length
    ? names.map((name) => scenarios.find((s) => s.name === name) ?? unknown(name))
    : scenarios;
  const report: BenchReport = { startedAt: new Date().toISOString(), scale: context.scale, results: {} };
  for (const scenario of chosen) {
    context.progress(`scenario ${scenario.name}: ${scenario.description}`);
    report.results[scenario.name] = await scenario.run(context);
  }
  const rows = Object.entries(report.results).flatMap(([scenario, figures]) =>
    figures.map((f) => [
      scenario,
      f.name,
      `${shown(f.value)} ${f.unit}`,
      f.p50Ms?.toFixed(2) ?? '',
      f.p99Ms?.toFixed(2) ?? '',
      f.target === undefined ? '' : `${f.met ? 'met' : 'NOT met'}: ${f.target}`,
    ]),
  );
  const header = ['scenario', 'figure', 'value', 'p50 ms', 'p99 ms', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return { report, file };
}

/** Whole numbers from 100 up; below, three significant digits, so a ratio of 0.84 is not shown as 1 beside ≤ 1.2. */
const shown = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(3))));

function unknown(name: string): never {
  throw new Error(`unknown scenario "${name}"; known: ${scenarios.map((s) => s.name).join(', ')}`);
}
