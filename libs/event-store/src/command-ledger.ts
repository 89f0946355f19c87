import { createHash } from 'node:crypto';
import { JetStreamClient, JetStreamManager } from 'nats';
import { isNotFound } from './stream-config';

export interface CommandRecord {
  commandId: string;
  subject: string;
  streamSeq: number;
  fingerprint: string | null;
}

/**
 * Durable command-id records beside an event stream. JetStream's own dedupe window (Nats-Msg-Id) is short and
 * held in memory; these records keep a command id answered with its first result for the whole retention.
 */
export class CommandLedger {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly streamName: string,
    private readonly subjectPrefix: string,
  ) {}

  static keyOf(commandId: string): string {
    return createHash('sha256').update(commandId).digest('base64url');
  }

  private subjectOf(commandId: string): string {
    return `${this.subjectPrefix}.${CommandLedger.keyOf(commandId)}`;
  }

  async find(commandId: string): Promise<CommandRecord | null> {
    try {
      const message = await this.jsm.streams.getMessage(this.streamName, { last_by_subj: this.subjectOf(commandId) });
      return JSON.parse(Buffer.from(message.data).toString('utf8')) as CommandRecord;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Records the first result; a later record for the same id is refused by the stream and ignored here. */
  async record(record: CommandRecord): Promise<void> {
    try {
      await this.js.publish(this.subjectOf(record.commandId), Buffer.from(JSON.stringify(record)), {
        expect: { lastSubjectSequence: 0 },
      });
    } catch (err) {
      if (!/wrong last sequence|maximum messages per subject/i.test(String((err as Error).message))) throw err;
    }
  }
}
