import { DomainEvent } from '@flotilla/events';
import { Decider } from '@flotilla/decider';
import { deciderSpecification } from './decider-specification';

type Added = DomainEvent<'Added', { item: string }>;
type Counter = { items: string[] };
const added = (item: string): Added => ({ type: 'Added', data: { item } });
const add = (item: string) => ({ item });

const pure: Decider<{ item: string }, Counter, Added> = {
  initialState: () => ({ items: [] }),
  evolve: (state, event) => ({ items: [...state.items, event.data.item] }),
  decide: (command, state) => (state.items.includes(command.item) ? [] : [added(command.item)]),
};

describe('decider specification', () => {
  it('passes a decider that returns new states', () => {
    deciderSpecification(pure)
      .given([added('a')])
      .when(add('b'))
      .then([added('b')]);
    deciderSpecification(pure)
      .given([added('a')])
      .when(add('a'))
      .thenNothingHappened();
  });

  it('fails a decider whose evolve writes into the state it was given', () => {
    const writing = { ...pure, evolve: (state: Counter, event: Added) => (state.items.push(event.data.item), state) };
    expect(() =>
      deciderSpecification(writing)
        .given([added('a')])
        .when(add('b'))
        .then([added('b')]),
    ).toThrow(TypeError);
  });

  it('fails a decider whose decide writes into the state or the command', () => {
    const writing = {
      ...pure,
      decide: (command: { item: string }, state: Counter) => ((state.items.length = 0), [added(command.item)]),
    };
    expect(() =>
      deciderSpecification(writing)
        .given([added('a')])
        .when(add('b'))
        .then([added('b')]),
    ).toThrow(TypeError);
  });

  it('fails a decider whose evolveAll folds to another state than evolve', () => {
    const skipping = {
      ...pure,
      evolveAll: (state: Counter, events: readonly Added[]) => ({
        items: [...state.items, ...events.slice(1).map((e) => e.data.item)],
      }),
    };
    expect(() =>
      deciderSpecification(skipping)
        .given([added('a'), added('b')])
        .when(add('c'))
        .then([added('c')]),
    ).toThrow(/toEqual/);
  });
});
