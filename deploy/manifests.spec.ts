import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { parseAllDocuments } from 'yaml';
import { createTestDatabase, startServiceProcess } from '@flotilla/testing';

const KUBERNETES = path.join(__dirname, 'kubernetes');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: any; // the shapes are checked by the Kubernetes schemas below
}

const read = (file: string): Manifest[] =>
  parseAllDocuments(fs.readFileSync(path.join(KUBERNETES, file), 'utf8')).map((d) => d.toJS());
const kustomization = read('kustomization.yaml')[0] as unknown as {
  resources: string[];
  configMapGenerator: { name: string; files: string[] }[];
};
const manifests = kustomization.resources.flatMap(read);
const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const named = (kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name) as Manifest;
const containers = (m: Manifest) => [
  ...(m.spec.template?.spec?.containers ?? []),
  ...(m.spec.jobTemplate?.spec?.template?.spec?.containers ?? []),
];
const env = (m: Manifest, name: string) => containers(m)[0].env.find((e: { name: string }) => e.name === name);
const podTemplates = [...byKind('Deployment'), ...byKind('StatefulSet'), ...byKind('Job')];
const labelsOf = (m: Manifest): Record<string, string> => m.spec.template.metadata?.labels ?? {};

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values: string[] }[];
}
const selects = (selector: LabelSelector, labels: Record<string, string>) =>
  Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
  (selector.matchExpressions ?? []).every(
    ({ key, operator, values }) => operator === 'In' && values.includes(labels[key]),
  );
/** Whether a NetworkPolicy lets a pod with these labels reach the port of the pods it selects. */
const admits = (policy: Manifest, port: number, labels: Record<string, string>): boolean =>
  policy.spec.ingress.some(
    (rule: { ports?: { port: number }[]; from?: { podSelector?: LabelSelector }[] }) =>
      (rule.ports ?? []).some((p) => p.port === port) &&
      (!rule.from || rule.from.some((peer) => selects(peer.podSelector ?? {}, labels))),
  );
/** The migration Job's shell command: how the image runs the CLI, then the CLI's arguments. */
const [jobCli, jobCliArgs] = (containers(named('Job', 'flotilla-migrate'))[0].args.at(-1) as string).split(
  /(?<=dist\/apps\/cli\/src\/main\.js) /,
);

/** The kubernetes-models class for a manifest's apiVersion and kind (core `v1` is `kubernetes-models/v1`). */
function model(m: Manifest): new (data: unknown) => { validate(): void } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`kubernetes-models/${m.apiVersion}`)[m.kind];
}

describe('deploy/kubernetes, read as Kubernetes would', () => {
  it('holds only resources the Kubernetes schemas accept, and every file kustomize is told of exists', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) {
      const Model = model(manifest);
      expect({ manifest: `${manifest.kind}/${manifest.metadata.name}`, known: typeof Model }).toEqual({
        manifest: `${manifest.kind}/${manifest.metadata.name}`,
        known: 'function',
      });
      expect(() => new Model(manifest).validate()).not.toThrow();
    }
    for (const file of kustomization.configMapGenerator.flatMap((g) => g.files))
      expect(fs.existsSync(path.join(KUBERNETES, file))).toBe(true);
  });

  it('writes no secret value: every secret comes from a Secret the operator creates', () => {
    expect(byKind('Secret')).toEqual([]);
    for (const manifest of [...byKind('Deployment'), ...byKind('StatefulSet'), ...byKind('Job')]) {
      for (const variable of containers(manifest).flatMap((c) => c.env ?? [])) {
        if (/KEY|TOKEN|PASSWORD|DATABASE_URL|GRANTS/.test(variable.name))
          expect({ [variable.name]: variable.valueFrom?.secretKeyRef?.name }).toEqual({
            [variable.name]: expect.any(String),
          });
      }
    }
  });

  it('runs a 3-node JetStream cluster that can bootstrap, and three-replica streams', () => {
    const nats = named('StatefulSet', 'nats');
    expect(nats.spec).toMatchObject({ replicas: 3, podManagementPolicy: 'Parallel' });
    expect(named('Service', 'nats').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    // ≥ 2.10.19 for R3 (deploy/README.md)
    expect(containers(nats)[0].image).toMatch(/^nats:2\.(1[1-9]|10\.(19|[2-9]\d))/);
    const conf = fs.readFileSync(path.join(KUBERNETES, 'nats.conf'), 'utf8');
    expect(conf).toContain('include ./nats-auth.conf');
    for (const service of ['batch-orchestrator', 'update-resolver'])
      expect(env(named('Deployment', service), 'STREAM_REPLICAS')).toEqual({ name: 'STREAM_REPLICAS', value: '3' });
  });

  it('spreads the pods of every workload of more than one over nodes and zones, each counting its own pods', () => {
    const replicated = podTemplates.filter((m) => (m.spec.replicas ?? 1) > 1);
    expect(replicated.map((m) => m.metadata.name).sort()).toEqual(
      ['admin-gateway', 'batch-orchestrator', 'nats', 'update-resolver'].sort(),
    );
    for (const workload of replicated) {
      const constraints: { topologyKey: string; labelSelector: LabelSelector }[] =
        workload.spec.template.spec.topologySpreadConstraints ?? [];
      expect({ workload: workload.metadata.name, keys: constraints.map((c) => c.topologyKey) }).toEqual({
        workload: workload.metadata.name,
        keys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'],
      });
      for (const { labelSelector } of constraints) expect(selects(labelSelector, labelsOf(workload))).toBe(true);
    }
  });

  it('starts the apps in production mode, each as its own NATS user, with probes and a disruption budget', () => {
    // The operators' CLI serves nothing: no probes, no budget (its own test is below).
    for (const deployment of byKind('Deployment').filter((d) => d.metadata.name !== 'flotilla-cli')) {
      const [container] = containers(deployment);
      expect(env(deployment, 'FLOTILLA_ENV')).toEqual({ name: 'FLOTILLA_ENV', value: 'production' });
      expect(env(deployment, 'NATS_USER').value).toBe(deployment.metadata.name);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(container[probe]).toBeDefined();
      // Readiness asks NATS and Postgres and answers within 3 s (a check that hangs is reported down): the probe waits
      // longer than that, so a dependency slow under load is not a probe failure (Kubernetes's default is 1 s).
      for (const probe of [container.readinessProbe, container.startupProbe])
        if (probe.httpGet.path === '/health/ready') expect(probe.timeoutSeconds).toBeGreaterThan(3);
      const budget = byKind('PodDisruptionBudget').find(
        (b) => b.spec.selector.matchLabels.app === deployment.metadata.name,
      );
      expect(budget?.spec.maxUnavailable).toBe(1);
    }
    // The gateway goes on answering for a while once told to stop, as proxies learn it is leaving, within its grace.
    const gateway = named('Deployment', 'admin-gateway');
    const [, seconds] = containers(gateway)[0].lifecycle.preStop.exec.command;
    expect(Number(seconds)).toBeGreaterThanOrEqual(5);
    expect(gateway.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + 10);
    // With no snapshot yet, the resolver reads its whole log before it is ready: its startup probe allows for it.
    const startup = containers(named('Deployment', 'update-resolver'))[0].startupProbe;
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(600);
  });

  it("runs the apps' pods from the one image, and every pod unprivileged, its user by number", () => {
    // The image's last USER is `node`, uid and gid 1000 in the official Node images.
    const dockerfile = fs.readFileSync(path.join(__dirname, '..', 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^USER .+$/gm)?.pop()).toBe('USER node');
    const apps = [...byKind('Deployment'), ...byKind('Job')];
    expect(apps.map((m) => m.metadata.name).sort()).toEqual([
      'admin-gateway',
      'batch-orchestrator',
      'flotilla-cli',
      'flotilla-migrate',
      'update-resolver',
    ]);
    for (const manifest of apps)
      // One image, named as kustomize's `images` renames it; a node that has it (a local cluster's) does not pull it.
      for (const { image, imagePullPolicy } of containers(manifest))
        expect({ image, imagePullPolicy }).toEqual({ image: 'flotilla:latest', imagePullPolicy: 'IfNotPresent' });
    // NATS and Postgres too, their stores made their users' by fsGroup; Postgres as its image's user, 999.
    const users = [...apps.map((m) => [m, 1000] as const), [named('StatefulSet', 'nats'), 1000] as const];
    for (const [manifest, user] of [...users, [named('StatefulSet', 'postgres'), 999] as const]) {
      const pod = manifest.spec.template.spec;
      expect({ [manifest.metadata.name]: pod.automountServiceAccountToken }).toEqual({
        [manifest.metadata.name]: false,
      });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: user, runAsGroup: user });
      // A volume of its own is written as the pod's user only if fsGroup makes it theirs.
      if (manifest.spec.volumeClaimTemplates) expect(pod.securityContext.fsGroup).toBe(user);
      for (const container of containers(manifest))
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
    }
  });

  it('lets only the pods that hold DATABASE_URL reach Postgres', () => {
    const policy = named('NetworkPolicy', 'postgres');
    expect(policy.spec.podSelector).toEqual(named('StatefulSet', 'postgres').spec.selector);
    const pods = podTemplates.filter((m) => m.metadata.name !== 'postgres');
    const holders = pods.filter((m) => env(m, 'DATABASE_URL') !== undefined).map((m) => m.metadata.name);
    expect(holders).toEqual(expect.arrayContaining(['batch-orchestrator', 'update-resolver', 'flotilla-migrate']));
    for (const pod of pods)
      expect({ [pod.metadata.name]: admits(policy, 5432, labelsOf(pod)) }).toEqual({
        [pod.metadata.name]: holders.includes(pod.metadata.name),
      });
  });

  it("lets only bus clients reach NATS's clients' port, its servers its routes, monitors its monitoring", () => {
    const policy = named('NetworkPolicy', 'nats');
    expect(policy.spec.podSelector).toEqual(named('StatefulSet', 'nats').spec.selector);
    const apps = podTemplates.filter((m) => m.metadata.name !== 'nats');
    const clients = apps.filter((m) => env(m, 'NATS_URL') !== undefined).map((m) => m.metadata.name);
    expect(clients.sort()).toEqual([
      'admin-gateway',
      'batch-orchestrator',
      'flotilla-cli',
      'flotilla-migrate',
      'update-resolver',
    ]);
    for (const pod of apps)
      expect({
        [pod.metadata.name]: [admits(policy, 4222, labelsOf(pod)), admits(policy, 6222, labelsOf(pod))],
      }).toEqual({ [pod.metadata.name]: [clients.includes(pod.metadata.name), false] });
    // Another service with a NATS user of its own, labelled as one (deploy/README.md, "Users and permissions").
    expect(admits(policy, 4222, { app: 'billing', 'flotilla.io/bus-client': 'true' })).toBe(true);
    expect(admits(policy, 4222, { app: 'billing' })).toBe(false);
    expect(admits(policy, 6222, labelsOf(named('StatefulSet', 'nats')))).toBe(true);
    // The monitoring port maps the bus: only a pod labelled for it (an exporter) reaches it; the probes come from the
    // node, which NetworkPolicies do not govern.
    for (const pod of podTemplates)
      expect({ [pod.metadata.name]: admits(policy, 8222, labelsOf(pod)) }).toEqual({
        [pod.metadata.name]: false,
      });
    expect(admits(policy, 8222, { app: 'nats-exporter', 'flotilla.io/nats-monitor': 'true' })).toBe(true);
  });

  it("keeps the operators' CLI ready to be scaled up and exec'd into, as the CLI's NATS user", async () => {
    const cli = named('Deployment', 'flotilla-cli');
    expect(cli.spec.replicas).toBe(0);
    expect(env(cli, 'NATS_USER').value).toBe(env(named('Job', 'flotilla-migrate'), 'NATS_USER').value);
    // Its process waits as process 1 does, and ends at once when Kubernetes stops the pod.
    const [node, ...args] = containers(cli)[0].args;
    const waiting = spawn(node === 'node' ? process.execPath : node, args, { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(waiting.exitCode).toBeNull();
    waiting.kill('SIGTERM');
    expect(await new Promise((resolve) => waiting.once('exit', (code) => resolve(code)))).toBe(0);
  });

  it("keeps Postgres's data in a directory of its volume, which initdb finds empty, its socket beside the read-only root", () => {
    const postgres = named('StatefulSet', 'postgres');
    const [mount, ...others] = containers(postgres)[0].volumeMounts;
    const dataDir = env(postgres, 'PGDATA')?.value as string;
    expect(path.posix.dirname(dataDir)).toBe(mount.mountPath);
    // Where the server and its image's entrypoint write besides the data (its Unix socket, temporary files).
    expect(others.map((m: { mountPath: string }) => m.mountPath).sort()).toEqual(['/tmp', '/var/run/postgresql']);
  });

  it("migrates every service's schema with the Job, as the Job runs it", async () => {
    const cliArgs = jobCliArgs.trim().split(/\s+/);
    expect(cliArgs).toEqual(['migrate']);
    const db = await createTestDatabase();
    try {
      const cli = startServiceProcess(
        'apps/cli/src/main.ts',
        { DATABASE_URL: db.url, NATS_URL: process.env.NATS_URL as string },
        cliArgs,
      );
      expect(await new Promise((resolve) => cli.child.once('exit', resolve))).toBe(0);
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      const tables = (
        await pg.query(
          `select table_schema || '.' || table_name as t from information_schema.tables
           where table_schema in ('batch_orchestrator', 'update_resolver')`,
        )
      ).rows.map((r) => r.t);
      await pg.end();
      expect(tables).toEqual(
        expect.arrayContaining([
          'batch_orchestrator.batches',
          'batch_orchestrator.parked_commits',
          'update_resolver.devices',
          'update_resolver.parked_commits',
        ]),
      );
    } finally {
      await db.drop();
    }
  });
});

describe('docker-compose.yml', () => {
  it('locks its NATS as production does, and logs each app in as its own user', () => {
    const compose = parseAllDocuments(
      fs.readFileSync(path.join(__dirname, '..', 'docker-compose.yml'), 'utf8'),
    )[0].toJS();
    expect(compose.services.nats.volumes).toContain('./deploy/kubernetes/nats-auth.conf:/etc/nats/nats-auth.conf:ro');
    for (const app of ['batch-orchestrator', 'update-resolver', 'admin-gateway'])
      expect(compose.services[app].environment.NATS_USER).toBe(app);
    // The CLI, as its Kubernetes Deployment runs it, only when asked for.
    const cli = compose.services.cli;
    expect(cli.profiles).toEqual(['cli']);
    expect(cli.environment.NATS_USER).toBe('flotilla-cli');
    expect(`exec ${cli.entrypoint.join(' ')}`).toBe(jobCli);
  });
});
