import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServiceProcess } from '@flotilla/testing';
import { runChaos } from './run-chaos';
import { scenarios } from './scenarios';

// Every chaos scenario at smoke size, so the harness cannot rot and the faults it names stay survived; the full run is
// `npm run chaos` (README: where this stands).
describe('chaos harness', () => {
  it.each(scenarios.map((s) => s.name))(
    '%s holds: nothing acknowledged lost, no oversold capacity, no quarantine twice',
    async (name) => {
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-'));
      const { report, file } = await runChaos(
        [name],
        {
          natsUrl: process.env.NATS_URL as string,
          databaseUrl: process.env.DATABASE_URL as string,
          scale: 0.1,
          progress: () => undefined,
          launch: (app, env) => startServiceProcess(`apps/${app}/src/main.ts`, env),
        },
        outDir,
      );
      const [verdict] = report.verdicts;
      expect({ held: verdict.held, lost: verdict.lost, notes: verdict.notes }).toMatchObject({ held: true, lost: 0 });
      expect(verdict.appended).toBeGreaterThan(10);
      expect(verdict.applied).toBeLessThanOrEqual(verdict.appended);
      expect(verdict.applied).toBeGreaterThan(verdict.appended - verdict.parked - 1);
      expect(verdict.requests.acknowledged).toBeGreaterThan(0);
      // The fault was felt by the clients (requests answered 503 or dropped, then retried), except poison's, which is
      // silent, a rolling deploy's, which must not be felt, and a rolling restart of NATS, which may not be.
      if (name === 'rolling') expect(verdict.requests.retries).toBe(0);
      else if (name !== 'poison' && name !== 'nats-rolling') expect(verdict.requests.retries).toBeGreaterThan(0);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).verdicts[0].scenario).toBe(name);
    },
  );
});
