import { DomainEvent } from '@flotilla/events';
import { deepFreeze, DomainError, Workflow, WorkflowStep } from '@flotilla/decider';
import { asDomainEvent, ExecuteOptions } from '../aggregate-repository';
import { EventStore } from '../event-store';
import { Commit, RecordedEvent } from '../recorded-event';
import { CommitHandler, SharedConsumer, SharedConsumerOptions } from './shared-consumer';

/** What a workflow needs of its runtime, whichever consumer delivers its events. */
export interface WorkflowOptions<Input, State, Output> {
  /** The workflow's name: its commands' ids are derived from it. */
  name: string;
  /** The event types of the log the workflow reacts to; each such event of a commit starts a run, in order. */
  eventTypes: readonly string[];
  /** Who the workflow's commands are recorded as sent by. */
  actor: string;
  /** The state a run starts from when the workflow decides on a view of the log (default: its initial state). */
  stateFor?: (commit: Commit) => Promise<State>;
  /** Takes one step (sends a command with these options, reads, acts on the world) and says what came of it. */
  take: (step: Output, options: ExecuteOptions) => Promise<Input[]>;
}

export type WorkflowRunnerOptions<Input, State, Output> = WorkflowOptions<Input, State, Output> & SharedConsumerOptions;

/** A run that does not settle is a bug of its workflow: the commit is parked rather than looping for ever. */
const MAX_STEPS_PER_EVENT = 100_000;

/**
 * The runtime of a workflow whose instances share the work: a shared consumer (one durable position for all
 * instances, retries of a dependency's failures for as long as they last, parking of what can never apply) whose
 * handler runs the workflow for each event it reacts to. A run feeds the event to `decide`, takes the steps in order,
 * feeds back what came of each, and ends when nothing is left to do. Commands carry the event's correlation, the event
 * as their cause and, for a step with a key, a command id derived from the event, so a run taken again after a crash
 * records nothing twice. (A workflow that decides on a view every instance keeps runs in every instance instead:
 * `CheckpointedWorkflowRunner` in libs/projections.)
 */
export class WorkflowRunner<Input, State, Output extends WorkflowStep> extends SharedConsumer {
  constructor(
    store: EventStore,
    workflow: Workflow<Input, State, Output>,
    options: WorkflowRunnerOptions<Input, State, Output>,
  ) {
    super(store, options, workflowHandler(workflow, options));
  }
}

/** Runs the workflow for each event of a commit it reacts to, in order (see `WorkflowRunner`). */
export function workflowHandler<Input, State, Output extends WorkflowStep>(
  workflow: Workflow<Input, State, Output>,
  options: WorkflowOptions<Input, State, Output>,
): CommitHandler {
  return async (commit) => {
    for (const event of commit.events) {
      if (options.eventTypes.includes(event.type)) await runWorkflow(workflow, options, commit, event);
    }
  };
}

async function runWorkflow<Input, State, Output extends WorkflowStep>(
  workflow: Workflow<Input, State, Output>,
  options: WorkflowOptions<Input, State, Output>,
  commit: Commit,
  event: RecordedEvent,
): Promise<void> {
  let state = deepFreeze(options.stateFor ? await options.stateFor(commit) : workflow.initialState());
  const inbox = [asDomainEvent<DomainEvent>(event) as Input];
  let steps = 0;
  for (let input = inbox.shift(); input !== undefined; input = inbox.shift()) {
    const frozen = deepFreeze(input);
    const next = workflow.decide(frozen, state);
    state = deepFreeze(workflow.evolve(state, frozen));
    for (const step of next) {
      if (++steps > MAX_STEPS_PER_EVENT)
        throw new Error(
          `workflow ${options.name} took ${MAX_STEPS_PER_EVENT} steps for event ${event.id} without settling`,
        );
      inbox.push(...(await take(options, step, commit, event)));
    }
  }
}

async function take<Input, Output extends WorkflowStep>(
  options: WorkflowOptions<Input, unknown, Output>,
  step: Output,
  commit: Commit,
  event: RecordedEvent,
): Promise<Input[]> {
  const metadata = { actor: options.actor, correlationId: commit.metadata.correlationId, causationId: event.id };
  const commandId = step.key === undefined ? undefined : `${options.name}:${event.id}:${step.key}`;
  try {
    return await options.take(step, { metadata, commandId });
  } catch (err) {
    if (err instanceof DomainError && step.tolerate?.includes(err.code)) return [];
    throw err;
  }
}
