import {
  freeLoopbackPort,
  openTestEnvironment,
  ServiceProcess,
  startServiceProcess,
  TestEnvironment,
  uniqueName,
  waitForHttp,
} from '@flotilla/testing';
import { metalAnswerProblems } from './metal-schemas';
import { openApiAnswerChecker } from './openapi-answers';

export interface HttpAnswer {
  status: number;
  body: any; // JSON as a user reads it
  headers: Headers;
}

/**
 * The orchestrator, the gateway (and the resolver) as processes on a test's own streams and database, called over HTTP.
 */
export interface RunningSystem {
  env: TestEnvironment;
  rootToken: string;
  base: string;
  orchestrator: ServiceProcess;
  /** Update-resolver instances running now. */
  resolvers: ServiceProcess[];
  startResolver(): Promise<ServiceProcess>;
  /** The Prometheus text of every process: the orchestrator, each resolver started, and the gateway. */
  metrics(): Promise<string>;
  call(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

export async function startRunningSystem(
  streamPrefix: string,
  orchestratorEnv: Record<string, string> = {},
  options: { withResolver?: boolean; resolverEnv?: Record<string, string> } = {},
): Promise<RunningSystem> {
  const env = await openTestEnvironment(streamPrefix);
  const rootToken = `root-${uniqueName('t')}`;
  const [gatewayPort, healthPort] = await Promise.all([freeLoopbackPort(), freeLoopbackPort()]);
  const natsUrl = process.env.NATS_URL as string;
  const updates = env.siblingStream('UPD');
  const orchestrator = startServiceProcess('apps/batch-orchestrator/src/main.ts', {
    NATS_URL: natsUrl,
    DATABASE_URL: env.db.url,
    BATCH_STREAM: env.stream,
    BATCH_SUBJECT_PREFIX: env.subjectPrefix,
    RPC_SUBJECT_PREFIX: env.rpcPrefix,
    UPDATE_STREAM: updates.stream,
    UPDATE_SUBJECT_PREFIX: updates.subjectPrefix,
    HEALTH_PORT: String(healthPort),
    ...orchestratorEnv,
  });
  const resolvers: ServiceProcess[] = [];
  const healthBases = [`http://127.0.0.1:${healthPort}`];
  const startResolver = async () => {
    const port = await freeLoopbackPort();
    healthBases.push(`http://127.0.0.1:${port}`);
    const resolver = startServiceProcess('apps/update-resolver/src/main.ts', {
      NATS_URL: natsUrl,
      DATABASE_URL: env.db.url,
      UPDATE_STREAM: updates.stream,
      UPDATE_SUBJECT_PREFIX: updates.subjectPrefix,
      BATCH_STREAM: env.stream,
      BATCH_SUBJECT_PREFIX: env.subjectPrefix,
      RPC_SUBJECT_PREFIX: env.rpcPrefix,
      HEALTH_PORT: String(port),
      ...options.resolverEnv,
    });
    resolvers.push(resolver);
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`, resolver);
    return resolver;
  };
  const gateway = startServiceProcess('apps/admin-gateway/src/main.ts', {
    NATS_URL: natsUrl,
    PORT: String(gatewayPort),
    RPC_SUBJECT_PREFIX: env.rpcPrefix,
    FLOTILLA_ADMIN_TOKEN: rootToken,
  });
  const base = `http://127.0.0.1:${gatewayPort}`;
  await waitForHttp(`http://127.0.0.1:${healthPort}/health/ready`, orchestrator);
  await waitForHttp(`${base}/health/ready`, gateway);
  if (options.withResolver) await startResolver();
  const documented = openApiAnswerChecker(await (await fetch(`${base}/openapi.json`)).json().then((d) => d as never));

  return {
    env,
    rootToken,
    base,
    orchestrator,
    resolvers,
    startResolver,
    async metrics() {
      const texts = await Promise.all([...healthBases, base].map((b) => fetch(`${b}/metrics`).then((r) => r.text())));
      return texts.join('\n');
    },
    async call(method, path, token, body, headers = {}) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      const answer = { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
      // Every answer is what the API document says, as a client generated from it reads it; every batch, device
      // and catalog answer is also read as Metal's SDKs would read it.
      const undocumented = documented(method, path, response.status, answer.body);
      if (undocumented.length) throw new Error(`${method} ${path}: ${undocumented.join('; ')}`);
      const problems = response.ok ? metalAnswerProblems(method, path, answer.body) : [];
      if (problems.length) throw new Error(`${method} ${path} does not decode as Metal's: ${problems.join('; ')}`);
      return answer;
    },
    async stop() {
      await Promise.all([gateway.stop(), orchestrator.stop(), ...resolvers.map((r) => r.stop())]);
      await env.close();
    },
  };
}
