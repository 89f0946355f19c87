import { metalAnswerProblems } from './metal-schemas';

/** The e2e suite reads every batch and device answer through this check: it must catch what Metal's SDKs refuse. */
describe("Metal's schemas, as the e2e suite checks answers", () => {
  const device = {
    id: '6a2c3d4e-1111-4222-8333-944455556666',
    hostname: 'web01',
    state: 'active',
    facility: { id: '7b2c3d4e-1111-4222-8333-944455556666', code: 'sjc1', name: 'San Jose' },
    plan: { id: '8c2c3d4e-1111-4222-8333-944455556666', slug: 'c3.medium.x86', type: 'standard' },
    operating_system: { id: '9d2c3d4e-1111-4222-8333-944455556666', slug: 'debian_12' },
    created_at: '2026-12-01T10:00:00.000Z',
    project: { href: '/projects/x' },
    href: '/devices/x',
    quarantined: false,
  };

  it('accepts a device as Metal shows one, with fields of our own beside', () => {
    expect(metalAnswerProblems('GET', '/devices/x', device)).toEqual([]);
  });

  it('refuses the facility, plan and operating system as bare strings, a null number and an unknown state', () => {
    const flat = { ...device, facility: 'sjc1', plan: 'c3.medium.x86', spot_price_max: null, state: 'booting' };
    expect(metalAnswerProblems('GET', '/devices/x', flat)).toEqual([
      '/state must be equal to one of the allowed values',
      '/facility must be object',
      '/plan must be object',
      '/spot_price_max must be number',
    ]);
  });

  it('checks the devices a batch embeds, and the devices of a list', () => {
    const batch = { id: device.id, state: 'completed', devices: [{ ...device, created_at: 'yesterday' }] };
    expect(metalAnswerProblems('GET', `/batches/${device.id}?include=devices`, batch)).toEqual([
      '/devices/0/created_at must match format "date-time"',
    ]);
    const list = { devices: [{ ...device, locked: 'no' }], meta: { total: 1, self: { href: '/x' } } };
    expect(metalAnswerProblems('GET', '/projects/p/devices?page=1', list)).toEqual([
      '/devices/0/locked must be boolean',
    ]);
  });

  it('leaves routes that are not Metal resources alone', () => {
    expect(metalAnswerProblems('GET', '/orgs/o/products', { anything: null })).toEqual([]);
  });
});
