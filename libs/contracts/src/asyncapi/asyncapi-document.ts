import { createRequire } from 'node:module';
import path from 'node:path';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { createGenerator } from 'ts-json-schema-generator';
import { BatchEventVersions, ErrorCodes, Streams, TenancyEventVersions, UpdateEventVersions } from '@flotilla/events';
import { DefaultSubjectPrefix, Subject } from '../platform/subject';
import { AllSubjects } from '../subjects';

type Schema = Record<string, unknown>;

// class-transformer's own metadata (which class a nested array holds); its package declares no types for it.
const { defaultMetadataStorage } = createRequire(__filename)('class-transformer/cjs/storage');

/** The aggregates on each event stream, each with the union type of its events and the file that declares it. */
export const EventChannels = [
  { stream: 'batch', aggregate: 'organization', id: 'organizationId', union: 'OrganizationEvent', from: 'events' },
  { stream: 'batch', aggregate: 'catalog', id: 'catalog', union: 'CatalogEvent', from: 'batch/domain/src/catalog.ts' },
  { stream: 'batch', aggregate: 'capacity', id: 'plan', union: 'CapacityEvent', from: 'batch/domain/src/capacity.ts' },
  { stream: 'batch', aggregate: 'batch', id: 'batchId', union: 'BatchEvent', from: 'events' },
  { stream: 'batch', aggregate: 'device', id: 'deviceId', union: 'BatchDeviceEvent', from: 'events' },
  { stream: 'update', aggregate: 'product', id: 'productKey', union: 'ProductCreated', from: 'events' },
  { stream: 'update', aggregate: 'firmware', id: 'firmwareUuid', union: 'FirmwareCreated', from: 'events' },
  { stream: 'update', aggregate: 'deployment', id: 'deploymentKey', union: 'DeploymentEvent', from: 'events' },
  { stream: 'update', aggregate: 'device', id: 'deviceKey', union: 'DeviceEvent', from: 'events' },
] as const;

/** Events other services consume (platform.md §2): their shape is a promise across services. */
export const IntegrationEvents = [
  'BatchRequested',
  'DeviceProvisioned',
  'DeviceDeleted',
  'UpdateRequested',
  'DeviceQuarantined',
];

const versions: Record<string, number> = { ...TenancyEventVersions, ...BatchEventVersions, ...UpdateEventVersions };

const principalHeaders = {
  type: 'object',
  required: ['Flotilla-Principal', 'Flotilla-Signature'],
  properties: {
    'Flotilla-Principal': {
      type: 'string',
      description:
        'base64url JSON {kind: root | organization | service, organizationId?, service?, actor, issuedAt (ms)}',
    },
    'Flotilla-Signature': {
      type: 'string',
      description:
        'base64url HMAC-SHA256 over "<Flotilla-Principal>\\n<subject>\\n<hex SHA-256 of the body>", keyed with the ' +
        "bus key (root, organization) or the named service's own key (service)",
    },
    'Flotilla-Correlation-Id': { type: 'string', description: 'optional; follows the request into its events' },
  },
};

const replyError = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { enum: Object.values(ErrorCodes) },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'string' }, description: 'every problem, for validation_failed' },
      },
    },
  },
};

const description = `Commands and queries are NATS request/reply on \`<prefix>.<context>.cmd|query.<name>\`; the prefix is
RPC_SUBJECT_PREFIX (\`${DefaultSubjectPrefix}\` unless set), so systems can share one NATS. The request body is the
plain JSON payload; the reply is \`{"ok":true,"data":...}\` or \`{"ok":false,"error":{"code","message","details"}}\`.
A bad payload is answered with validation_failed listing every problem, never with silence. A reply whose JSON is over
64 KiB comes gzip-compressed, with the header \`Content-Encoding: gzip\`.

Every request carries a signed principal (Flotilla-Principal, Flotilla-Signature). A request without one, with one
that does not verify, or issued more than 60 s away from the receiver's clock, is answered unauthorized and changes
nothing. Each service subscribes in a queue group named after itself, so instances share the load; each client reads
replies on its own inbox prefix (_INBOX.<user>).

Events live in JetStream: one stream per owning service (${Streams.batch.name} on ${Streams.batch.subjectPrefix}.>,
${Streams.update.name} on ${Streams.update.subjectPrefix}.>), one message per commit on
\`evt.<context>.<aggregate>.<id>\` holding all events of one command:
\`{"format":1,"time","metadata":{"actor","correlationId","causationId","commandId"},"fingerprint","events":[...]}\`.
Each event is \`{"id","type","v","data"}\`; \`v\` is its schema version, and older versions are upcast on read. A commit
that groups several commands (a plan's capacity) gives an event \`"m"\`: the fields of its own metadata that differ from
the commit's.
Integration events (x-integration) are the ones other services consume.

Generated from the subject registry (libs/contracts) and the event types by \`npm run asyncapi\`.`;

/** JSON schemas of the events' TypeScript types, by event type (the `data` of each). */
function eventDataSchemas(root: string): Map<string, { union: string; data: Schema }[]> {
  const generators = new Map<string, ReturnType<typeof createGenerator>>();
  const generatorFor = (from: string) => {
    const file = from === 'events' ? 'events/src/index.ts' : from;
    let generator = generators.get(file);
    if (!generator) {
      generator = createGenerator({
        path: path.join(root, 'libs', file),
        tsconfig: path.join(root, 'tsconfig.base.json'),
        expose: 'none',
        topRef: false,
        skipTypeCheck: true,
        jsDoc: 'basic',
      });
      generators.set(file, generator);
    }
    return generator;
  };
  const byUnion = new Map<string, { union: string; data: Schema }[]>();
  for (const channel of EventChannels) {
    const schema = generatorFor(channel.from).createSchema(channel.union) as Schema;
    const variants = (schema.anyOf as Schema[] | undefined) ?? [schema];
    byUnion.set(
      channel.union,
      variants.map((variant) => {
        const properties = variant.properties as { type: { const: string }; data: Schema };
        return { union: properties.type.const, data: properties.data };
      }),
    );
  }
  return byUnion;
}

function requestSchemas(): Record<string, Schema> {
  return validationMetadatasToSchemas({
    refPointerPrefix: '#/components/schemas/',
    classTransformerMetadataStorage: defaultMetadataStorage,
  }) as Record<string, Schema>;
}

const channelKey = (subject: Subject) => subject.name;

/**
 * The schemas that `from` refers to, directly or through one another: the validation metadata also holds the base
 * classes the request classes extend, which no message names.
 */
function referenced(schemas: Record<string, Schema>, from: Schema): Record<string, Schema> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const name = key === '$ref' && typeof value === 'string' ? value.split('#/components/schemas/')[1] : undefined;
      if (name && schemas[name] && !names.has(name)) {
        names.add(name);
        visit(schemas[name]);
      } else visit(value);
    }
  };
  visit(from);
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => names.has(name)));
}

/**
 * The AsyncAPI 3.1 document of the bus, generated: a channel and an operation for every subject of the registry (its
 * payload class's schema, its reply), a channel for every aggregate's commits with a message per event type and
 * version. `root` is the repository's root, where the event types' sources are read.
 */
export function asyncApiDocument(root: string): Schema {
  const schemas = requestSchemas();
  const channels: Record<string, Schema> = {};
  const operations: Record<string, Schema> = {};
  const inboxMessages: Record<string, Schema> = {};

  for (const subject of AllSubjects) {
    const key = channelKey(subject);
    const requestName = subject.request.name;
    const payload = schemas[requestName] ? { $ref: `#/components/schemas/${requestName}` } : { type: 'object' };
    channels[key] = {
      address: `{prefix}.${subject.name}`,
      description: `${subject.kind === 'command' ? 'Command' : 'Query'} answered by the ${subject.service}.`,
      parameters: { prefix: { $ref: '#/components/parameters/prefix' } },
      messages: {
        request: { name: requestName, headers: { $ref: '#/components/schemas/PrincipalHeaders' }, payload },
      },
    };
    inboxMessages[`${key}.reply`] = {
      name: `${key}.reply`,
      summary: `The reply to ${subject.name}: ${subject.reply.description}.`,
      payload: {
        oneOf: [
          {
            type: 'object',
            required: ['ok', 'data'],
            properties: { ok: { const: true }, data: { description: subject.reply.description } },
          },
          { $ref: '#/components/schemas/ReplyError' },
        ],
      },
    };
    operations[key] = {
      action: 'receive',
      channel: { $ref: `#/channels/${key}` },
      summary: subject.summary,
      'x-service': subject.service,
      messages: [{ $ref: `#/channels/${key}/messages/request` }],
      reply: {
        channel: { $ref: '#/channels/inbox' },
        messages: [{ $ref: `#/channels/inbox/messages/${key}.reply` }],
      },
    };
  }
  channels.inbox = {
    address: null,
    description: "The requester's inbox (_INBOX.<user>.>): where every reply goes.",
    messages: inboxMessages,
  };

  const events = eventDataSchemas(root);
  for (const channel of EventChannels) {
    const prefix = channel.stream === 'batch' ? Streams.batch.subjectPrefix : Streams.update.subjectPrefix;
    const key = `${prefix}.${channel.aggregate}`;
    const messages: Record<string, Schema> = {};
    for (const { union: type, data } of events.get(channel.union) ?? []) {
      const version = versions[type] ?? 1;
      const integration = IntegrationEvents.includes(type);
      messages[type] = {
        name: type,
        title: `${type} v${version}`,
        summary: `A commit holding ${type} (schema version ${version})${integration ? ', an integration event' : ''}.`,
        ...(integration ? { 'x-integration': true } : {}),
        payload: {
          allOf: [
            { $ref: '#/components/schemas/Commit' },
            {
              type: 'object',
              properties: {
                events: {
                  type: 'array',
                  contains: {
                    type: 'object',
                    required: ['id', 'type', 'v', 'data'],
                    properties: { id: { type: 'string' }, type: { const: type }, v: { const: version }, data },
                  },
                },
              },
            },
          ],
        },
      };
    }
    channels[key] = {
      address: `${key}.{${channel.id}}`,
      description: `Commits of the ${channel.aggregate} aggregates on ${channel.stream === 'batch' ? Streams.batch.name : Streams.update.name}.`,
      parameters: { [channel.id]: { description: `the ${channel.aggregate} aggregate's id in the log` } },
      messages,
    };
    operations[`${key}.append`] = {
      action: 'send',
      channel: { $ref: `#/channels/${key}` },
      summary: `The ${channel.stream === 'batch' ? 'batch-orchestrator' : 'update-resolver'} appends a commit.`,
      messages: Object.keys(messages).map((type) => ({ $ref: `#/channels/${key}/messages/${type}` })),
    };
  }

  return {
    asyncapi: '3.1.0',
    info: { title: 'Flotilla commands, queries and events over NATS', version: '0.1.0', description },
    servers: { local: { host: '127.0.0.1:4222', protocol: 'nats' } },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: {
      parameters: {
        prefix: { default: DefaultSubjectPrefix, description: 'RPC_SUBJECT_PREFIX of the deployment' },
      },
      schemas: {
        ...referenced(schemas, { channels, operations }),
        PrincipalHeaders: principalHeaders,
        ReplyError: replyError,
        Commit: {
          type: 'object',
          required: ['format', 'time', 'metadata', 'events'],
          properties: {
            format: { const: 1 },
            time: { type: 'string', format: 'date-time' },
            metadata: {
              type: 'object',
              properties: {
                actor: { type: 'string' },
                correlationId: { type: 'string' },
                causationId: { type: ['string', 'null'] },
                commandId: { type: ['string', 'null'] },
              },
            },
            fingerprint: { type: 'string', description: "the command's body hash, for idempotency" },
            events: { type: 'array', minItems: 1 },
          },
        },
      },
    },
  };
}
