import fs from 'node:fs';
import path from 'node:path';
import { ChaosContext } from './chaos-system';
import { scenarios } from './scenarios';
import { Verdict } from './verdict';

export interface ChaosReport {
  startedAt: string;
  scale: number;
  verdicts: Verdict[];
}

/** Runs the named scenarios (all if none) one after the other, prints what held, writes JSON into `outDir`. */
export async function runChaos(
  names: string[],
  context: ChaosContext,
  outDir: string,
): Promise<{ report: ChaosReport; file: string }> {
  const chosen = names.length
    ? names.map((name) => scenarios.find((s) => s.name === name) ?? unknown(name))
    : scenarios;
  const report: ChaosReport = { startedAt: new Date().toISOString(), scale: context.scale, verdicts: [] };
  for (const scenario of chosen) {
    context.progress(`scenario ${scenario.name}: ${scenario.description}`);
    report.verdicts.push(await scenario.run({ ...context, logDir: outDir }));
  }
  const header = [
    'scenario',
    'held',
    'appended',
    'applied',
    'parked',
    'lost',
    'capacity violations',
    'duplicate quarantines',
    'requests',
    'retried through',
  ];
  const faults = (v: Verdict) =>
    Object.entries(v.requests.faults)
      .map(([what, n]) => `${what} ×${n}`)
      .join(', ') || 'nothing';
  const rows = report.verdicts.map((v) =>
    [
      v.scenario,
      v.held ? 'yes' : 'NO',
      v.appended,
      v.applied,
      v.parked,
      v.lost,
      v.capacityViolations,
      v.duplicateQuarantines,
      v.requests.sent,
      faults(v),
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const notes = report.verdicts.flatMap((v) => v.notes.map((n) => `  ${v.scenario}: ${n}`));
  process.stdout.write(
    [
      line(header),
      line(widths.map((w) => '-'.repeat(w))),
      ...rows.map(line),
      ...(notes.length ? ['', ...notes] : []),
    ].join('\n') + '\n',
  );
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `chaos-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  return { report, file };
}

function unknown(name: string): never {
  throw new Error(`unknown scenario "${name}"; known: ${scenarios.map((s) => s.name).join(', ')}`);
}
