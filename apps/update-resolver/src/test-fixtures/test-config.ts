import { TEST_KEYS, TestEnvironment } from '@flotilla/testing';
import { configFromEnv, ResolverConfig } from '../config';

/** A resolver's configuration on a test environment's stream, schema and subjects (for the service's own tests). */
export function testConfig(env: TestEnvironment, vars: Record<string, string> = {}): ResolverConfig {
  const batches = env.siblingStream('BATCH');
  return {
    ...configFromEnv({
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: env.db.url,
      RPC_SUBJECT_PREFIX: env.rpcPrefix,
      ...TEST_KEYS,
      ...vars,
    }),
    stream: env.stream,
    subjectPrefix: env.subjectPrefix,
    batchStream: batches.stream,
    batchSubjectPrefix: batches.subjectPrefix,
  };
}
