// nats-server 2.9 removes an account's store directory with its last stream, and a stream created at that moment
// fails ("could not create storage directory"). Test projects create and delete streams side by side on one server:
// a stream that outlives every test keeps the directory there.
'use strict';

const ANCHOR = 'FLOTILLA_TEST_STORE_ANCHOR';

async function keepStoreDirectory(natsUrl) {
  const { connect, StorageType } = require('nats');
  const nc = await connect({ servers: natsUrl, name: 'flotilla-test-setup' });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams
      .add({ name: ANCHOR, subjects: ['flotilla.test.store-anchor'], storage: StorageType.File, max_msgs: 1 })
      .catch((err) => {
        if (!/already in use/i.test(String(err.message))) throw err;
      });
  } finally {
    await nc.close();
  }
}

module.exports = { keepStoreDirectory };
