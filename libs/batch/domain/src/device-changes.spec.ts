import { validateDeviceChanges } from './device-changes';

describe('validateDeviceChanges', () => {
  it('takes the changeable fields of Metal’s DeviceUpdateInput; null is absent, unknown fields are ignored', () => {
    expect(
      validateDeviceChanges({
        hostname: 'db-1.example',
        description: 'primary',
        tags: ['db'],
        customdata: { rack: 4 },
        locked: false,
        userdata: null,
        href: '/devices/x',
      }),
    ).toEqual({
      ok: true,
      changes: {
        hostname: 'db-1.example',
        description: 'primary',
        tags: ['db'],
        customdata: { rack: 4 },
        locked: false,
      },
    });
    expect(validateDeviceChanges({})).toEqual({ ok: true, changes: {} });
  });

  it('lists every problem: the batch item’s rules for each field, and the fields that cannot change', () => {
    expect(
      validateDeviceChanges({
        hostname: 'web_1',
        description: 'x'.repeat(1025),
        tags: [''],
        customdata: [1],
        locked: 'yes',
        userdata: '#!/bin/sh',
        billing_cycle: 'monthly',
      }),
    ).toEqual({
      ok: false,
      problems: [
        'locked must be true or false',
        'hostname must be a valid host name (RFC 1123)',
        'description must be a string of at most 1024 characters',
        'tags must be an array of at most 100 strings of 1 to 64 characters',
        'customdata must be an object',
        'billing_cycle cannot be changed here: only locked, hostname, description, tags, customdata can',
        'userdata cannot be changed here: only locked, hostname, description, tags, customdata can',
      ],
    });
    expect(validateDeviceChanges({ customdata: { blob: 'x'.repeat(64 * 1024) } })).toEqual({
      ok: false,
      problems: ['customdata must be at most 64 KiB as JSON'],
    });
    expect(validateDeviceChanges({ hostname: 'web{{index}}' })).toMatchObject({ ok: false });
  });
});
