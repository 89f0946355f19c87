// Jest global setup: makes NATS_URL and DATABASE_URL point at real servers for every test worker.
// `npm test` resolves them once up front; a lone `nx test <project>` resolves (or starts) them here.
const path = require('node:path');
const { ensureInfra, DEFAULT_DATA_DIR } = require('../infra');
const { keepStoreDirectory } = require('./keep-store-directory');

module.exports = async function globalSetup() {
  if (process.env.NATS_URL && process.env.DATABASE_URL) return;
  const infra = await ensureInfra({ dataDir: path.join(DEFAULT_DATA_DIR, 'test') });
  process.env.NATS_URL = infra.natsUrl;
  process.env.DATABASE_URL = infra.databaseUrl;
  await keepStoreDirectory(infra.natsUrl);
  globalThis.__FLOTILLA_INFRA__ = infra;
};
