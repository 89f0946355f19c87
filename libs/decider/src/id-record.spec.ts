import { copyIdRecord, idRecordValues, withId, withoutId } from './id-record';
import { deepFreeze } from './deep-freeze';

describe('records keyed by ids', () => {
  const given = deepFreeze({ a: 1, b: 2 } as Record<string, number>);

  it('are copied with an id set or taken out, the record given left as it was', () => {
    expect(withId(given, 'c', 3)).toEqual({ a: 1, b: 2, c: 3 });
    expect(withId(given, 'a', 9)).toEqual({ a: 9, b: 2 });
    expect(Object.keys(withId(given, 'a', 9))).toEqual(['a', 'b']);
    expect(withoutId(given, 'a')).toEqual({ b: 2 });
    expect(withoutId(given, 'z')).toEqual({ a: 1, b: 2 });
    expect(given).toEqual({ a: 1, b: 2 });
  });

  it('give their values in the order their ids were set, as Object.values would', () => {
    const record = withId(withoutId(withId(given, 'c', 3), 'a'), 'a', 4);
    expect(idRecordValues(record)).toEqual(Object.values(record));
    expect(idRecordValues(record)).toEqual([2, 3, 4]);
    expect(idRecordValues(copyIdRecord())).toEqual([]);
  });

  it('have no prototype, so an id named as an object property is an id like any other', () => {
    const record = withId(copyIdRecord<number>(), 'constructor', 1);
    expect(Object.getPrototypeOf(record)).toBeNull();
    expect(record.constructor).toBe(1);
    expect(withoutId(record, 'constructor').constructor).toBeUndefined();
    expect(copyIdRecord<number>().toString).toBeUndefined();
  });

  it('freeze and read back from JSON as the plain records they stand for', () => {
    const record = deepFreeze(withId(given, 'c', 3));
    expect(Object.isFrozen(record)).toBe(true);
    expect(JSON.parse(JSON.stringify(record))).toEqual({ a: 1, b: 2, c: 3 });
  });
});
