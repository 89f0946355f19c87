import { DomainEvent } from '@flotilla/events';

/** Everything a decision may depend on besides command and state; the clock is passed in, never read. */
export interface DecisionContext {
  now: Date;
}

/**
 * A pure decider in the manner of emmett: `decide` turns a command and the current state into new events
 * (or throws a DomainError), `evolve` folds one event into the state, `initialState` is the state before any event.
 * Neither writes into a state or an event it is given: states are shared (the repository caches and hands them out,
 * frozen) and structural sharing between a state and the next is how they stay cheap.
 */
export interface Decider<Command, State, Event extends DomainEvent> {
  decide(command: Command, state: State, context: DecisionContext): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
  /**
   * Folds several events at once, for a state holding a collection too big to copy per event (a batch's devices):
   * the same result as `evolve` one event after the other, with one copy per fold. The decider specification checks
   * that it is the same.
   */
  evolveAll?(state: State, events: readonly Event[]): State;
}

export function foldEvents<State, Event extends DomainEvent>(
  decider: Pick<Decider<unknown, State, Event>, 'evolve' | 'initialState' | 'evolveAll'>,
  events: readonly Event[],
  from: State = decider.initialState(),
): State {
  if (decider.evolveAll) return decider.evolveAll(from, events);
  return events.reduce((state, event) => decider.evolve(state, event), from);
}
