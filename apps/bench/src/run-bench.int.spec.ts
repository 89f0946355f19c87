import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, exited, startServiceProcess, TEST_KEYS } from '@flotilla/testing';
import { ScenarioContext } from './measure';
import { runBench } from './run-bench';

const smokeContext = (databaseUrl: string, scale = 0.05): ScenarioContext => ({
  natsUrl: process.env.NATS_URL as string,
  databaseUrl,
  scale,
  busKey: TEST_KEYS.FLOTILLA_BUS_KEY,
  progress: () => undefined,
  launch: async (app, env) => startServiceProcess(`apps/${app}/src/main.ts`, env),
  cli: (args, env) => exited(startServiceProcess('apps/cli/src/main.ts', env, args)),
});

// A smoke-sized run so the harness cannot rot; speed itself is judged by `npm run bench`, not here.
describe('bench harness', () => {
  it('measures the baseline figures and writes them as JSON', async () => {
    const db = await createTestDatabase();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    try {
      const { report, file } = await runBench(['baseline'], smokeContext(db.url), outDir);
      const figures = report.results.baseline;
      expect(figures.map((f) => f.unit)).toEqual(['req/s', 'msg/s', 'events/s']);
      for (const figure of figures) expect(figure.value).toBeGreaterThan(0);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).results.baseline).toHaveLength(3);
    } finally {
      await db.drop();
    }
  });

  it('runs the batch scenarios end to end at smoke size', async () => {
    const db = await createTestDatabase();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    try {
      const { report } = await runBench(['placement', 'big-batch', 'history'], smokeContext(db.url), outDir);
      const placement = Object.fromEntries(report.results.placement.map((f) => [f.unit, f.value]));
      expect(placement['batches/s']).toBeGreaterThan(0);
      expect(placement.servers).toBe(0);
      expect(placement.batches).toBe(64); // the warm-up's first cohort, reported beside
      expect(report.results['big-batch'][0].value).toBeGreaterThan(0);
      expect(report.results['big-batch'][0]).toMatchObject({ target: '≤ 3 s', met: expect.any(Boolean) });
      const targeted = Object.values(report.results).flatMap((figures) => figures.filter((f) => f.target));
      expect(targeted.length).toBeGreaterThanOrEqual(6);
      for (const figure of targeted) expect(typeof figure.met).toBe('boolean');
      expect(report.results.history.map((f) => f.unit)).toEqual(['µs', 'µs', 'x', 'µs', 'µs', 'x', 'µs', 'µs']);
    } finally {
      await db.drop();
    }
  }, 180_000);

  it('runs the update scenarios end to end at smoke size', async () => {
    const db = await createTestDatabase();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    try {
      const { report } = await runBench(
        ['resolve', 'resolve-http', 'memory', 'restart', 'replay'],
        smokeContext(db.url, 0.01),
        outDir,
      );
      const resolve = Object.fromEntries(report.results.resolve.map((f) => [f.unit, f.value]));
      expect(resolve['checks/s']).toBeGreaterThan(0);
      expect(resolve['%']).toBeGreaterThan(0);
      expect(report.results.memory[0].value).toBeGreaterThan(0);
      expect(report.results['resolve-http'].map((f) => f.unit)).toEqual(['req/s', 'checks/s', '%']);
      expect(report.results['resolve-http'][1].value).toBeGreaterThan(0);
      expect(report.results['resolve-http'][2].target).toMatch(/node:http/);
      expect(report.results.resolve.filter((f) => f.target).map((f) => f.name)).toEqual(
        expect.arrayContaining(['checks/s to raw request/reply (256 in flight)', 'p99 to raw p99 (64 in flight)']),
      );
      const figure = (name: string) => report.results.resolve.find((f) => f.name === name);
      for (const inFlight of [256, 64]) {
        // Read from the resolver's /metrics for each phase alone: a number, which a short phase may leave at 0.
        expect(figure(`resolver event-loop delay p99 (${inFlight} in flight)`)?.value).toBeGreaterThanOrEqual(0);
        const split = [
          `checks offered an update, each an append (${inFlight} in flight)`,
          `up-to-date checks (${inFlight} in flight)`,
        ];
        expect(split.map((name) => figure(name)?.unit)).toEqual(['checks', 'checks']);
        expect(split.reduce((sum, name) => sum + (figure(name)?.value ?? 0), 0)).toBeGreaterThan(0);
      }
      const [raw, bare, , restarted, restartRatio, bareRatio] = report.results.restart;
      expect([raw.value, bare.value]).toEqual([expect.any(Number), expect.any(Number)]);
      expect(Math.min(raw.value, bare.value)).toBeGreaterThan(0);
      expect(bareRatio).toMatchObject({ unit: '%', ratioTo: bare.name });
      // The restarted resolver read the snapshot taken after the first start, and only the log after it.
      expect(restarted.name).toMatch(/snapshot at seq [1-9]/);
      expect(restartRatio).toMatchObject({ unit: '%', target: expect.stringMatching(/raw consumer/) });
      const [, rebuilt, replayRatio] = report.results.replay;
      expect(rebuilt.name).toMatch(/rebuild --all, \d+ events/);
      expect(rebuilt.value).toBeGreaterThan(0);
      expect(replayRatio).toMatchObject({ unit: '%', met: expect.any(Boolean) });
    } finally {
      await db.drop();
    }
  }, 300_000);

  it('refuses an unknown scenario', async () => {
    await expect(runBench(['nope'], smokeContext(''), os.tmpdir())).rejects.toThrow(/unknown scenario/);
  });
});
