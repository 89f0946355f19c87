import { LoggerService, LogLevel } from '@nestjs/common';

const SECRET_KEYS = /token|secret|password|authorization|credential/i;

/** Structured logs: one JSON object per line on stdout. Fields whose names suggest a secret are never written. */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly levels: LogLevel[] = ['log', 'error', 'warn'],
  ) {}

  log(message: unknown, context?: string): void {
    this.write('log', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    this.write('error', message, context ?? stackOrContext, context ? stackOrContext : undefined);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('verbose', message, context);
  }

  private write(level: LogLevel, message: unknown, context?: string, stack?: string): void {
    if (!this.levels.includes(level)) return;
    const fields =
      typeof message === 'object' && message !== null && !(message instanceof Error)
        ? redact(message as Record<string, unknown>)
        : { msg: String(message) };
    const line = {
      time: new Date().toISOString(),
      level,
      service: this.service,
      context,
      ...fields,
      ...(stack ? { stack } : {}),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, SECRET_KEYS.test(key) ? '[redacted]' : value]),
  );
}
