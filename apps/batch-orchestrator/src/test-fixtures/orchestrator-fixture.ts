import { INestApplication } from '@nestjs/common';
import { Reply, TenancySubjects } from '@flotilla/contracts';
import { busRequester, logLevelFromEnv } from '@flotilla/nest-platform';
import {
  freeLoopbackPort,
  ServiceProcess,
  startServiceProcess,
  TEST_KEYS,
  TestEnvironment,
  waitForHttp,
} from '@flotilla/testing';
import { createOrchestrator } from '../bootstrap';
import { configFromEnv, OrchestratorConfig } from '../config';

/** The orchestrator's configuration on a test's own stream, database and sibling update stream. */
export function testConfig(env: TestEnvironment, overrides: Partial<OrchestratorConfig> = {}): OrchestratorConfig {
  const updates = env.siblingStream('UPD');
  return {
    ...configFromEnv({ NATS_URL: process.env.NATS_URL, DATABASE_URL: env.db.url, ...TEST_KEYS }),
    stream: env.stream,
    subjectPrefix: env.subjectPrefix,
    rpcPrefix: env.rpcPrefix,
    // LOG_LEVEL=info (or debug) shows a test's service logs.
    logLevel: process.env.LOG_LEVEL ? logLevelFromEnv(process.env) : 'error',
    updateStream: updates.stream,
    updateSubjectPrefix: updates.subjectPrefix,
    ...overrides,
  };
}

/** Runs the orchestrator in this process. */
export async function startOrchestrator(config: OrchestratorConfig): Promise<INestApplication> {
  const app = await createOrchestrator(config);
  await app.init();
  return app;
}

/** Runs the orchestrator as a process of its own on the test's streams and database, and waits until it is ready. */
export async function startOrchestratorProcess(
  env: TestEnvironment,
  extra: Record<string, string> = {},
): Promise<{ process: ServiceProcess; healthPort: number }> {
  const healthPort = await freeLoopbackPort();
  const service = spawnOrchestrator(env, { HEALTH_PORT: String(healthPort), ...extra });
  await waitForHttp(`http://127.0.0.1:${healthPort}/health/ready`, service);
  return { process: service, healthPort };
}

/** Starts the orchestrator as a process of its own and leaves it: for a start that is to fail, and how it does. */
export function spawnOrchestrator(env: TestEnvironment, extra: Record<string, string> = {}): ServiceProcess {
  const updates = env.siblingStream('UPD');
  return startServiceProcess('apps/batch-orchestrator/src/main.ts', {
    NATS_URL: process.env.NATS_URL as string,
    DATABASE_URL: env.db.url,
    BATCH_STREAM: env.stream,
    BATCH_SUBJECT_PREFIX: env.subjectPrefix,
    RPC_SUBJECT_PREFIX: env.rpcPrefix,
    UPDATE_STREAM: updates.stream,
    UPDATE_SUBJECT_PREFIX: updates.subjectPrefix,
    ...extra,
  });
}

/** A NATS request as the gateway sends it (signed with the test bus key): as root, or confined to one organization. */
export function natsRequester(env: TestEnvironment) {
  return busRequester(env.nc, TEST_KEYS.FLOTILLA_BUS_KEY, { prefix: env.rpcPrefix });
}

export function unwrap<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`request failed: ${JSON.stringify(reply.error)}`);
  return reply.data;
}

/** A fresh organization and project. */
export async function createProject(
  request: ReturnType<typeof natsRequester>,
): Promise<{ organizationId: string; projectId: string }> {
  const organization = unwrap(await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'Acme' }));
  const project = unwrap(
    await request<{ id: string }>(TenancySubjects.createProject, { organizationId: organization.id, name: 'web' }),
  );
  return { organizationId: organization.id, projectId: project.id };
}
