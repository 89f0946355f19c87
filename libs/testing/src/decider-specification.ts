import { DomainEvent } from '@flotilla/events';
import { DecisionContext, Decider, DomainError, foldEvents } from '@flotilla/decider';

/**
 * given(events).when(command).then(events), in the manner of emmett's DeciderSpecification.
 * The clock is fixed, so expected events can name exact times.
 */
export function deciderSpecification<Command, State, Event extends DomainEvent>(
  decider: Decider<Command, State, Event>,
  context: DecisionContext = { now: new Date('2026-01-01T00:00:00.000Z') },
) {
  return {
    given(events: Event[]) {
      return {
        when(command: Command) {
          const run = () => decider.decide(command, foldEvents(decider, events), context);
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
