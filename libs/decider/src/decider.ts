import { DomainEvent } from '@flotilla/events';

/** Everything a decision may depend on besides command and state; the clock is passed in, never read. */
export interface DecisionContext {
  now: Date;
}

/**
 * A pure decider in the manner of emmett: `decide` turns a command and the current state into new events
 * (or throws a DomainError), `evolve` folds one event into the state, `initialState` is the state before any event.
 */
export interface Decider<Command, State, Event extends DomainEvent> {
  decide(command: Command, state: State, context: DecisionContext): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function foldEvents<State, Event extends DomainEvent>(
  decider: Pick<Decider<unknown, State, Event>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
  state: State = decider.initialState(),
): State {
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
