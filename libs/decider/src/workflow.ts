import { ErrorCode } from '@flotilla/events';

/**
 * A process manager as a pure workflow, in the manner of emmett's workflows: `decide` turns a message (an event of
 * the log it reacts to, or what came of a step it asked for) and its state before that message into its next steps;
 * `evolve` folds the message into its state. The runtime takes the steps and feeds back what came of each, until
 * nothing is left to do; the clock and every read of the world come in as messages, never from inside.
 */
export interface Workflow<Input, State, Output extends WorkflowStep> {
  decide(input: Input, state: State): Output[];
  evolve(state: State, input: Input): State;
  initialState(): State;
}

/** What every step a workflow asks for may say about how the runtime takes it. */
export interface WorkflowStep {
  /**
   * Names a command among those the workflow sends for one event of the log. The runtime sends it with a command
   * id made of the workflow, that event and this key, so the same command sent again for the same event (a retry, a
   * replay a week later) is recorded once. A command without one is idempotent by its aggregate's own state.
   */
  key?: string;
  /** Refusals that mean there is nothing left to do (a batch deleted meanwhile, a device registered by hand). */
  tolerate?: readonly ErrorCode[];
}
