import 'reflect-metadata';
import { CliContext, settingsFromEnv } from './cli-context';
import { audit, migrate, rebuild, replay, timeTravel } from './commands';

const USAGE = `flotilla <command>
  replay [--from-seq N | --from-time ISO] [--subject SUBJ]   every event as JSON lines
  audit <aggregate-type> <id>                                 one aggregate's history
  time-travel <aggregate-type> <id> (--at-seq N | --at ISO)   its state at that point
  rebuild <projection>                                        rebuild a read model (tenancy, batches)
  migrate                                                     run the database migrations
Environment: NATS_URL, DATABASE_URL, BATCH_STREAM, BATCH_SUBJECT_PREFIX, BATCH_DB_SCHEMA`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function progressBar(position: number, target: number): void {
  const ratio = target ? Math.min(1, position / target) : 1;
  const filled = Math.round(ratio * 30);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(ratio * 100).toFixed(0)}%  seq ${position}/${target}`);
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const context = new CliContext(settingsFromEnv());
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    switch (command) {
      case 'replay': {
        const fromSeq = option(args, '--from-seq');
        const fromTime = option(args, '--from-time');
        await replay(context, { fromSeq: fromSeq ? Number(fromSeq) : undefined, fromTime: fromTime ? new Date(fromTime) : undefined, subject: option(args, '--subject') }, out);
        break;
      }
      case 'audit':
        await audit(context, args[0], args[1], out);
        break;
      case 'time-travel': {
        const seq = option(args, '--at-seq');
        const time = option(args, '--at');
        out(JSON.stringify(await timeTravel(context, args[0], args[1], { seq: seq ? Number(seq) : undefined, time: time ? new Date(time) : undefined }), null, 2));
        break;
      }
      case 'rebuild':
        out(`\nrebuilt ${args[0]} up to seq ${await rebuild(context, args[0], progressBar)}`);
        break;
      case 'migrate':
        out(`applied: ${(await migrate(context)).join(', ') || 'nothing (up to date)'}`);
        break;
      default:
        out(USAGE);
        process.exitCode = command ? 2 : 0;
    }
  } finally {
    await context.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
