import { createdId, stableUuid } from './stable-uuid';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ids named from a command', () => {
  it('names the same UUID for the same name, and another for another name', () => {
    expect(stableUuid('create-batch:p:k')).toMatch(UUID);
    expect(stableUuid('create-batch:p:k')).toBe(stableUuid('create-batch:p:k'));
    expect(stableUuid('create-batch:p:k')).not.toBe(stableUuid('create-batch:p:l'));
  });

  it('names what a create makes from its command id, so a repeat names the same, and at random without one', () => {
    expect(createdId('issue-api-key:o:k')).toBe(stableUuid('issue-api-key:o:k'));
    expect(createdId(undefined)).not.toBe(createdId(undefined));
    expect(createdId(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
