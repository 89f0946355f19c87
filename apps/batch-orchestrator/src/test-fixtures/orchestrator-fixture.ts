import { INestApplication } from '@nestjs/common';
import { headers as natsHeaders } from 'nats';
import { Reply, RequestHeaders, TenancySubjects } from '@flotilla/contracts';
import { JsonLogger } from '@flotilla/nest-platform';
import { TestEnvironment } from '@flotilla/testing';
import { createOrchestrator } from '../bootstrap';
import { configFromEnv, OrchestratorConfig } from '../config';

/** The orchestrator's configuration on a test's own stream, database and sibling update stream. */
export function testConfig(env: TestEnvironment, overrides: Partial<OrchestratorConfig> = {}): OrchestratorConfig {
  const updates = env.siblingStream('UPD');
  return {
    ...configFromEnv({ NATS_URL: process.env.NATS_URL, DATABASE_URL: env.db.url }),
    stream: env.stream,
    subjectPrefix: env.subjectPrefix,
    updateStream: updates.stream,
    updateSubjectPrefix: updates.subjectPrefix,
    ...overrides,
  };
}

/** Runs the orchestrator in this process. Services share fleet.* subjects: tools/test.js runs one project at a time. */
export async function startOrchestrator(config: OrchestratorConfig): Promise<INestApplication> {
  const app = await createOrchestrator(config, new JsonLogger('batch-orchestrator', (process.env.TEST_LOG_LEVELS ?? 'error').split(',') as never));
  await app.init();
  return app;
}

/** A NATS request as another service sends it, optionally confined to one organization. */
export function natsRequester(env: TestEnvironment) {
  return async function request<T>(subject: string, payload: unknown, organizationId?: string): Promise<Reply<T>> {
    const h = natsHeaders();
    h.set(RequestHeaders.actor, 'test');
    if (organizationId) h.set(RequestHeaders.organization, organizationId);
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const reply = await env.nc.request(subject, Buffer.from(body), { timeout: 30_000, headers: h });
    return JSON.parse(Buffer.from(reply.data).toString('utf8'));
  };
}

export function unwrap<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`request failed: ${JSON.stringify(reply.error)}`);
  return reply.data;
}

/** A fresh organization and project. */
export async function createProject(request: ReturnType<typeof natsRequester>): Promise<{ organizationId: string; projectId: string }> {
  const organization = unwrap(await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'Acme' }));
  const project = unwrap(await request<{ id: string }>(TenancySubjects.createProject, { organizationId: organization.id, name: 'web' }));
  return { organizationId: organization.id, projectId: project.id };
}
