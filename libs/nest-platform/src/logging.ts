import type { IncomingMessage } from 'node:http';
import {
  ConsoleLogger,
  DynamicModule,
  INestApplication,
  InjectionToken,
  LogLevel as NestLogLevel,
  NestApplicationOptions,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger, LoggerModule } from 'nestjs-pino';
import { DestinationStream, stdTimeFunctions } from 'pino';
import { ConfigurationError } from './secrets';
import { requestIdOf } from './request-id';

/** Fields that may hold a secret, wherever they sit in a log line (top level or one below): never written. */
const SECRET_FIELDS = ['token', 'secret', 'password', 'authorization', 'credential', 'credentialHash', 'tokenHash'];

export const LogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LogLevels)[number];

/** LOG_LEVEL: one of pino's levels, `info` unless set. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const level = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LogLevels.includes(level)) throw new ConfigurationError([`LOG_LEVEL must be one of ${LogLevels.join(', ')}`]);
  return level;
}

export interface LoggingOptions {
  /** Where the lines go: stdout unless given. */
  stream?: DestinationStream;
  /**
   * The service's HTTP server answers only probes and metrics, which are never logged: no request middleware then.
   * Its request context lives in an AsyncLocalStorage, and one request through it (a probe) turns on Node's promise
   * hooks for the life of the process: a few percent of the CPU of every message a busy service handles.
   */
  probesOnly?: boolean;
}

/**
 * Structured logs through nestjs-pino: one JSON object per line on stdout with `time`, `level` (its name), `service`
 * and `msg`; secrets redacted by field name; HTTP requests logged except health, metrics and device checks (a
 * fleet's polling would drown the rest).
 */
export function loggingModule(
  service: string,
  config: InjectionToken,
  { stream, probesOnly = false }: LoggingOptions = {},
): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [config],
    useFactory: ({ logLevel }: { logLevel: LogLevel }) => ({
      ...(probesOnly ? { forRoutes: [] } : {}),
      pinoHttp: {
        stream,
        level: logLevel,
        base: { service },
        messageKey: 'msg',
        timestamp: stdTimeFunctions.isoTime,
        formatters: { level: (label: string) => ({ level: label }) },
        redact: {
          paths: [
            ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
            'req.headers.authorization',
            'req.headers["x-auth-token"]',
          ],
          censor: '[redacted]',
        },
        autoLogging: { ignore: (req: { url?: string }) => /^\/(health|metrics|device\/update)/.test(req.url ?? '') },
        // The gateway's answer carries the same id (X-Request-Id), and the events the request writes as correlation.
        genReqId: (req: IncomingMessage) => requestIdOf(req.headers),
      },
    }),
  });
}

const PINO_LEVELS: Record<NestLogLevel, LogLevel> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Nest's logger until pino's is up, and when start-up fails before it is: lines of pino's shape (`time`, `level`,
 * `service`, `context`, `msg`, secrets redacted), so that a log pipeline parses a failed start as it parses the rest.
 */
export class StartupLogger extends ConsoleLogger {
  constructor(private readonly service: string) {
    super({ json: true, colors: false });
  }

  protected override printAsJson(
    message: unknown,
    {
      context,
      logLevel,
      writeStreamType,
      errorStack,
    }: { context: string; logLevel: NestLogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ): void {
    const fields =
      message instanceof Error
        ? { msg: message.message, stack: message.stack }
        : message !== null && typeof message === 'object'
          ? redacted(message)
          : { msg: message };
    const head = {
      time: new Date().toISOString(),
      level: PINO_LEVELS[logLevel],
      service: this.service,
      ...(context ? { context } : {}),
    };
    let text: string;
    try {
      text = JSON.stringify({ ...head, ...fields, ...(errorStack ? { stack: errorStack } : {}) });
    } catch {
      text = JSON.stringify({ ...head, msg: String(message) }); // a cycle in what was logged
    }
    process[writeStreamType ?? 'stdout'].write(`${text}\n`);
  }
}

/** `fields` with the secret ones censored, at the top and one level down, as pino's redaction does. */
function redacted(fields: object): Record<string, unknown> {
  const censor = (value: object) =>
    Object.fromEntries(
      Object.entries(value).map(([key, v]) => [key, SECRET_FIELDS.includes(key) ? '[redacted]' : v] as const),
    );
  return Object.fromEntries(
    Object.entries(censor(fields)).map(([key, v]) => [
      key,
      v !== null && typeof v === 'object' && !Array.isArray(v) ? censor(v) : v,
    ]),
  );
}

/** A Nest app whose own logs (start-up included) go through the module's pino logger. */
export async function createLoggedApp<T extends INestApplication = INestApplication>(
  service: string,
  module: DynamicModule | Type<unknown>,
  options: NestApplicationOptions = {},
): Promise<T> {
  // A failure to start (a bad configuration among them) reaches runMain, which reports it and exits 1.
  const app = await NestFactory.create<T>(module, {
    ...options,
    logger: new StartupLogger(service),
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  return app;
}
