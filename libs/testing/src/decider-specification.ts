import { DomainEvent } from '@flotilla/events';
import { DecisionContext, Decider, deepFreeze, DomainError, foldEvents } from '@flotilla/decider';

/**
 * given(events).when(command).then(events), in the manner of emmett's DeciderSpecification.
 * The clock is fixed, so expected events can name exact times. Every state and event is deep-frozen before the
 * decider sees it, so a decider that writes into either fails here; a decider with `evolveAll` must fold to the same
 * state as `evolve` one event at a time.
 */
export function deciderSpecification<Command, State, Event extends DomainEvent>(
  decider: Decider<Command, State, Event>,
  context: DecisionContext = { now: new Date('2026-01-01T00:00:00.000Z') },
) {
  const decide = (command: Command, state: State, at: DecisionContext = context) =>
    decider.decide(deepFreeze(command), deepFreeze(state), at);
  return {
    /** The state after `events`, folded as the repository folds a commit (all at once), every part frozen. */
    fold(events: Event[], from: State = decider.initialState()): State {
      return deepFreeze(foldEvents(decider, events.map(deepFreeze), deepFreeze(from)));
    },
    /** A decision on a frozen state, at the specification's time unless told. */
    decide,
    given(events: Event[]) {
      return {
        when(command: Command) {
          const run = () => decide(command, frozenFold(decider, events));
          return {
            then(expected: Event[]): void {
              expect(run()).toEqual(expected);
            },
            thenNothingHappened(): void {
              expect(run()).toEqual([]);
            },
            thenThrows(code: DomainError['code'], message?: string | RegExp): void {
              let thrown: unknown;
              try {
                run();
              } catch (err) {
                thrown = err;
              }
              expect(thrown).toBeInstanceOf(DomainError);
              expect((thrown as DomainError).code).toBe(code);
              if (message) expect((thrown as DomainError).message).toMatch(message);
            },
          };
        },
      };
    },
  };
}

/** Folds events one at a time into frozen states, and all at once too for a decider with `evolveAll`: the same. */
function frozenFold<State, Event extends DomainEvent>(decider: Decider<unknown, State, Event>, events: Event[]): State {
  let state = deepFreeze(decider.initialState());
  for (const event of events) state = deepFreeze(decider.evolve(state, deepFreeze(event)));
  if (decider.evolveAll) expect(decider.evolveAll(deepFreeze(decider.initialState()), events)).toEqual(state);
  return state;
}
