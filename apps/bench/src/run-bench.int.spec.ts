import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@flotilla/testing';
import { runBench } from './run-bench';

// A smoke-sized run so the harness cannot rot; speed itself is judged by `npm run bench`, not here.
describe('bench harness', () => {
  it('measures the baseline figures and writes them as JSON', async () => {
    const db = await createTestDatabase();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    try {
      const { report, file } = await runBench(['baseline'], { natsUrl: process.env.NATS_URL as string, databaseUrl: db.url, scale: 0.05, progress: () => undefined }, outDir);
      const figures = report.results.baseline;
      expect(figures.map((f) => f.unit)).toEqual(['req/s', 'msg/s', 'events/s']);
      for (const figure of figures) expect(figure.value).toBeGreaterThan(0);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).results.baseline).toHaveLength(3);
    } finally {
      await db.drop();
    }
  });

  it('refuses an unknown scenario', async () => {
    await expect(runBench(['nope'], { natsUrl: '', databaseUrl: '', scale: 1, progress: () => undefined }, os.tmpdir())).rejects.toThrow(/unknown scenario/);
  });
});
