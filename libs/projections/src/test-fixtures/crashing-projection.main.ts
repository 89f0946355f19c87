// Runs the tally projection and SIGKILLs itself at the moment CRASH_AT names (before-commit | after-commit) once the
// batch reaches CRASH_AFTER_SEQ: a real crash, with no cleanup, for projection-crash.int.spec.ts. CRASH_AT=freeze
// SIGSTOPs it instead, inside its transaction: a process paused or cut off while it holds the checkpoint's lock.
import { writeSync } from 'node:fs';
import { connect } from 'nats';
import { EventStore } from '@flotilla/event-store';
import { ProjectionRunner } from '../projection-runner';
import { openReadModelDatabase } from '../read-model-database';
import { tallyProjection } from './tally-projection';

async function main(): Promise<void> {
  const { NATS_URL, DATABASE_URL, STREAM, SCHEMA, CRASH_AT, CRASH_AFTER_SEQ, WRITING, IDLE_IN_TRANSACTION_MS } =
    process.env;
  const crashAfter = Number(CRASH_AFTER_SEQ);
  const die = (position: number) => {
    if (position < crashAfter) return;
    writeSync(1, `crashing at ${position}\n`);
    process.kill(process.pid, CRASH_AT === 'freeze' ? 'SIGSTOP' : 'SIGKILL');
  };
  const nc = await connect({ servers: NATS_URL });
  const store = await EventStore.open(nc, {
    stream: STREAM as string,
    subjectPrefix: `evt.${(STREAM as string).toLowerCase()}`,
  });
  const dataSource = await openReadModelDatabase({
    url: DATABASE_URL as string,
    schema: SCHEMA as string,
    idleInTransactionMs: IDLE_IN_TRANSACTION_MS ? Number(IDLE_IN_TRANSACTION_MS) : undefined,
  });
  const runner = new ProjectionRunner(
    store,
    dataSource,
    tallyProjection(SCHEMA as string, undefined, undefined, WRITING === 'changeset' ? 'changeset' : 'handlers'),
    {
      batchSize: 25,
      faults: CRASH_AT === 'after-commit' ? { afterCommit: die } : { beforeCommit: die },
    },
  );
  await runner.start();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
