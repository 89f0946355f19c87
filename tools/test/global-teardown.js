module.exports = async function globalTeardown() {
  const infra = globalThis.__FLOTILLA_INFRA__;
  if (infra) await infra.stop();
};
