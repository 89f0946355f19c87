import 'reflect-metadata';
import { CliContext, settingsFromEnv } from './cli-context';
import {
  audit,
  decideParked,
  exportEvents,
  formatParked,
  formatVerified,
  listParked,
  migrate,
  rebuild,
  replay,
  request,
  timeTravel,
  verify,
} from './commands';
import { AGGREGATES } from './aggregates';
import { progressBar } from './progress-bar';
import { requestSigner } from './request-signer';

const USAGE = `flotilla <command>
  replay [--from-seq N | --from-time ISO] [--subject SUBJ]   every event as JSON lines
  audit <aggregate-type> <name>                               one aggregate's history: time, actor, correlation,
                                                              causation and data of every event
  time-travel <aggregate-type> <name> (--at-seq N | --at ISO) its state at that point
  rebuild <read-model> | --all                                rebuild read models (tenancy, batches, device_quarantine,
                                                              update) from the log, swapped in when done
  verify <read-model> | --all [--keep]                        rebuild into a shadow schema and list every row that
                                                              differs from the read model (exit 1 if any); --keep
                                                              leaves the shadow schema
  export [--organization ID] [--from ISO] [--until ISO]       both logs' events as JSON lines: an organization's, a
                                                              time range's
  migrate                                                     migrate every service's schema
  parked list [--all] [--consumer NAME]                       commits consumers could not apply
  parked retry <consumer> <seq>                               apply one again (its service does, exactly once)
  parked skip <consumer> <seq>                                leave one out for good
  request <subject> <json> [--organization ID]                send a command or query with a signed principal:
                                                              as FLOTILLA_SERVICE_NAME with FLOTILLA_SERVICE_KEY for
                                                              the organization, else with FLOTILLA_BUS_KEY as root,
                                                              or confined to the organization given
Aggregate types and names (either service):
${Object.entries(AGGREGATES)
  .map(([type, kind]) => `  ${type.padEnd(14)} ${kind.naming}`)
  .join('\n')}
Environment: NATS_URL (and NATS_CREDS or NATS_USER/NATS_PASSWORD), DATABASE_URL, BATCH_STREAM, BATCH_SUBJECT_PREFIX,
BATCH_DB_SCHEMA, UPDATE_STREAM, UPDATE_SUBJECT_PREFIX, UPDATE_DB_SCHEMA`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`the payload is not JSON: ${(err as Error).message}`);
  }
}

function sequence(args: string[], name: string): number | undefined {
  const value = option(args, name);
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(value)) throw new Error(`${name} must be a stream sequence (a whole number from 1)`);
  return Number(value);
}

function date(args: string[], name: string): Date | undefined {
  const value = option(args, name);
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new Error(`${name} must be an ISO date and time`);
  return parsed;
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const context = new CliContext(settingsFromEnv());
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const usage = (code: number) => {
    out(USAGE);
    process.exitCode = code;
  };
  try {
    // An aggregate is named by its type and its name: without both there is nothing to look up.
    if ((command === 'audit' || command === 'time-travel') && !(args[0] && args[1] && !args[1].startsWith('--')))
      return usage(2);
    switch (command) {
      case 'replay': {
        await replay(
          context,
          {
            fromSeq: sequence(args, '--from-seq'),
            fromTime: date(args, '--from-time'),
            subject: option(args, '--subject'),
          },
          out,
          progressBar()('replay'),
        );
        break;
      }
      case 'audit':
        await audit(context, args[0], args[1], out);
        break;
      case 'time-travel': {
        const at = { seq: sequence(args, '--at-seq'), time: date(args, '--at') };
        out(JSON.stringify(await timeTravel(context, args[0], args[1], at), null, 2));
        break;
      }
      case 'rebuild':
        for (const [model, position] of Object.entries(await rebuild(context, args[0] ?? '', progressBar())))
          out(`rebuilt ${model} up to seq ${position}`);
        break;
      case 'verify': {
        const outcome = await verify(context, args[0] ?? '', { keepShadow: args.includes('--keep') }, progressBar());
        if (!formatVerified(outcome, out)) process.exitCode = 1;
        break;
      }
      case 'export': {
        const filter = {
          organizationId: option(args, '--organization'),
          from: date(args, '--from'),
          until: date(args, '--until'),
        };
        process.stderr.write(`exported ${await exportEvents(context, filter, out, progressBar())} events\n`);
        break;
      }
      case 'migrate':
        for (const [service, applied] of Object.entries(await migrate(context)))
          out(`${service}: applied ${applied.join(', ') || 'nothing (up to date)'}`);
        break;
      case 'parked': {
        const [action, consumer, seq] = args;
        if (action === 'list')
          formatParked(
            await listParked(context, { all: args.includes('--all'), consumer: option(args, '--consumer') }),
            out,
          );
        else if ((action === 'retry' || action === 'skip') && consumer && Number(seq) > 0) {
          const outcome = await decideParked(context, consumer, Number(seq), action);
          out(
            outcome.status === 'pending'
              ? `retry requested: ${consumer} applies seq ${seq} when its service runs`
              : `${consumer} seq ${seq}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}`,
          );
          if (outcome.status === 'parked') process.exitCode = 1;
        } else usage(2);
        break;
      }
      case 'request': {
        const reply = await request(
          context,
          args[0],
          json(args[1] ?? '{}'),
          requestSigner(option(args, '--organization')),
        );
        out(JSON.stringify(reply, null, 2));
        if (!reply.ok) process.exitCode = 1;
        break;
      }
      default:
        usage(command && !['help', '--help', '-h'].includes(command) ? 2 : 0);
    }
  } finally {
    await context.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
