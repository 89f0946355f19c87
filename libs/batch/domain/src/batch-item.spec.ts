import { CatalogView, validateBatchItem, validateDeviceItem } from './batch-item';
import { catalogId } from './catalog-ids';

const catalog: CatalogView = {
  metros: new Map([
    ['sv', new Set(['sjc1', 'sjc2'])],
    ['ny', new Set(['ewr1'])],
  ]),
  facilities: new Set(['ewr1', 'sjc1', 'sjc2', 'dfw1']),
  plans: new Set(['c1.small.x86', 'c2.large.arm']),
  operatingSystems: new Map([
    ['ubuntu_22_04', new Set(['c1.small.x86', 'c2.large.arm'])],
    ['windows_2019', new Set(['c1.small.x86'])],
  ]),
};

const problemsOf = (raw: unknown) => {
  const result = validateBatchItem(raw, catalog, { path: 'batches[0]' });
  return result.ok ? [] : result.problems;
};

describe('validateBatchItem', () => {
  it('accepts the body packngo sends: "project_id":"", "tags":null, a facility array', () => {
    const result = validateBatchItem(
      {
        hostname: 'test1',
        plan: 'c1.small.x86',
        facility: ['EWR1'],
        operating_system: 'ubuntu_22_04',
        billing_cycle: 'hourly',
        project_id: '',
        tags: null,
        quantity: 3,
        spot_price_max: 0.5,
      },
      catalog,
    );
    expect(result).toMatchObject({
      ok: true,
      item: { quantity: 3, facility: ['ewr1'], tags: [], attributes: { project_id: '' }, spotPriceMax: 0.5 },
    });
  });

  it('accepts the body packet-python sends: six keys with "metro": null', () => {
    expect(
      validateBatchItem(
        {
          facility: 'ewr1',
          hostname: 'batchtest01',
          metro: null,
          operating_system: 'ubuntu_22_04',
          plan: 'c1.small.x86',
          quantity: 1,
        },
        catalog,
      ),
    ).toMatchObject({ ok: true, item: { facility: ['ewr1'], billingCycle: 'hourly', spotInstance: false } });
  });

  it('takes the quantity from hostnames when it is not given', () => {
    expect(
      validateBatchItem(
        { plan: 'c1.small.x86', operating_system: 'ubuntu_22_04', facility: 'any', hostnames: ['a', 'b'] },
        catalog,
      ),
    ).toMatchObject({
      ok: true,
      item: { quantity: 2 },
    });
  });

  it('lists every problem at once', () => {
    expect(
      problemsOf({
        plan: 'nope',
        operating_system: 'windows_2019',
        quantity: 0,
        facility: ['mars1'],
        billing_cycle: 'weekly',
        tags: [''],
        spot_instance: true,
        facility_diversity_level: 0,
      }),
    ).toEqual([
      'batches[0].plan "nope" is not a known plan',
      'batches[0].quantity must be an integer from 1 to 1000',
      'batches[0].facility has unknown facilities: "mars1"',
      'batches[0].facility_diversity_level must be an integer of at least 1',
      'batches[0].billing_cycle must be one of hourly, daily, monthly, yearly',
      'batches[0].tags must be an array of at most 100 strings of 1 to 64 characters',
      'batches[0].spot_price_max is required when spot_instance is true',
    ]);
  });

  it('takes the fields a device shows back only in the types Metal gives them; a termination time as UTC', () => {
    const item = { plan: 'c1.small.x86', operating_system: 'ubuntu_22_04', facility: 'ewr1' };
    expect(
      validateBatchItem(
        {
          ...item,
          customdata: { a: 1 },
          locked: true,
          always_pxe: false,
          termination_time: '2026-09-03T16:32:00+03:00',
          features: { tpm: 'required', raid: 'preferred' },
        },
        catalog,
      ),
    ).toMatchObject({
      ok: true,
      item: {
        attributes: {
          features: { tpm: 'required', raid: 'preferred' },
          customdata: { a: 1 },
          locked: true,
          always_pxe: false,
          termination_time: '2026-09-03T13:32:00.000Z',
        },
      },
    });
    expect(
      validateBatchItem({ ...item, termination_time: '2026-09-03T16:32:00', features: ['tpm'] }, catalog),
    ).toMatchObject({
      ok: true,
      item: { attributes: { termination_time: '2026-09-03T16:32:00.000Z', features: ['tpm'] } },
    });
    expect(problemsOf({ ...item, features: { tpm: 'wanted' } })).toEqual([
      'batches[0].features must be an array of strings, or an object of features each "required" or "preferred"',
    ]);
    expect(
      validateBatchItem(
        {
          ...item,
          customdata: 'x',
          locked: 'yes',
          always_pxe: 1,
          termination_time: 'tomorrow',
          features: [1],
          ip_addresses: [4],
        },
        catalog,
      ),
    ).toEqual({
      ok: false,
      problems: [
        'item.customdata must be an object',
        'item.locked must be a boolean',
        'item.always_pxe must be a boolean',
        'item.termination_time must be a date-time (RFC 3339, e.g. 2026-09-03T16:32:00Z)',
        'item.features must be an array of strings, or an object of features each "required" or "preferred"',
        'item.ip_addresses must be an array of objects',
      ],
    });
  });

  it('requires plan, operating system and facility', () => {
    expect(problemsOf({})).toEqual([
      'batches[0].plan is required',
      'batches[0].operating_system is required',
      'batches[0].facility or metro is required',
    ]);
  });

  it('refuses an operating system the plan does not support', () => {
    expect(problemsOf({ plan: 'c2.large.arm', operating_system: 'windows_2019', facility: 'any' })).toEqual([
      'batches[0].operating_system windows_2019 cannot be provisioned on plan c2.large.arm',
    ]);
  });

  it('refuses hostname with hostnames, and hostnames that disagree with quantity', () => {
    expect(
      problemsOf({
        plan: 'c1.small.x86',
        operating_system: 'ubuntu_22_04',
        facility: 'any',
        hostname: 'a',
        hostnames: ['b'],
      }),
    ).toContain('batches[0].hostname and hostnames cannot both be given');
    expect(
      problemsOf({
        plan: 'c1.small.x86',
        operating_system: 'ubuntu_22_04',
        facility: 'any',
        hostnames: ['a', 'b'],
        quantity: 3,
      }),
    ).toEqual(['batches[0].quantity is 3 but 2 hostnames were given']);
  });

  it('checks every final host name', () => {
    expect(
      problemsOf({
        plan: 'c1.small.x86',
        operating_system: 'ubuntu_22_04',
        facility: 'any',
        hostname: 'bad_{{index}}',
        quantity: 2,
      }),
    ).toEqual(['batches[0].hostname must be valid host names (RFC 1123): bad_01, bad_02']);
  });

  it('refuses metro together with facility', () => {
    expect(
      problemsOf({ plan: 'c1.small.x86', operating_system: 'ubuntu_22_04', facility: 'ewr1', metro: 'ny' }),
    ).toEqual(['batches[0].metro and facility cannot both be given']);
  });

  it('takes a metro as `any` among its facilities; metro `any` as facility `any`; an unknown metro is refused', () => {
    const item = { plan: 'c1.small.x86', operating_system: 'ubuntu_22_04' };
    expect(validateBatchItem({ ...item, metro: 'SV' }, catalog)).toMatchObject({
      ok: true,
      item: { facility: ['any'], metro: 'sv', within: ['sjc1', 'sjc2'] },
    });
    const anywhere = validateBatchItem({ ...item, metro: 'any' }, catalog);
    expect(anywhere).toMatchObject({ ok: true, item: { facility: ['any'] } });
    expect(anywhere.ok && anywhere.item).not.toHaveProperty('within');
    expect(problemsOf({ ...item, metro: 'mars' })).toEqual(['batches[0].metro "mars" is not a known metro']);
    expect(problemsOf({ ...item, metro: 7 })).toEqual(['batches[0].metro must be a metro code or id, or "any"']);
  });

  it("takes a plan, an operating system, a metro or a facility by its object's id, as Metal does, and keeps the code", () => {
    const byId = validateBatchItem(
      {
        plan: catalogId('plan', 'c1.small.x86').toUpperCase(),
        operating_system: catalogId('operating-system', 'ubuntu_22_04'),
        metro: catalogId('metro', 'sv'),
      },
      catalog,
    );
    expect(byId).toMatchObject({
      ok: true,
      item: { plan: 'c1.small.x86', operatingSystem: 'ubuntu_22_04', metro: 'sv', within: ['sjc1', 'sjc2'] },
    });
    const item = { plan: 'c1.small.x86', operating_system: 'ubuntu_22_04' };
    expect(
      validateBatchItem({ ...item, facility: [catalogId('facility', 'sjc2'), 'EWR1', 'any'] }, catalog),
    ).toMatchObject({ ok: true, item: { facility: ['sjc2', 'ewr1', 'any'] } });
    // A facility named twice, by code and by id, is one (placement would drop the second).
    expect(
      validateBatchItem({ ...item, facility: ['sjc2', 'any', catalogId('facility', 'sjc2'), 'ANY'] }, catalog),
    ).toMatchObject({ ok: true, item: { facility: ['sjc2', 'any'] } });
    // An id names an entry of its own kind only: a metro's id is no facility, an unknown one no metro.
    expect(problemsOf({ ...item, facility: [catalogId('metro', 'sv'), ''] })).toEqual([
      `batches[0].facility has unknown facilities: "${catalogId('metro', 'sv')}", ""`,
    ]);
    const many = Array.from({ length: 20_000 }, (_, i) => catalogId('facility', `mars${i % 7}`));
    expect(problemsOf({ ...item, facility: many })).toEqual([
      `batches[0].facility has unknown facilities: ${many
        .slice(0, 5)
        .map((f) => `"${f}"`)
        .join(', ')} and 2 more`,
    ]);
    expect(problemsOf({ ...item, metro: 'x'.repeat(100_000) })).toEqual([
      `batches[0].metro "${'x'.repeat(64)}…" is not a known metro`,
    ]);
    expect(problemsOf({ ...item, metro: catalogId('metro', 'mars') })).toEqual([
      `batches[0].metro "${catalogId('metro', 'mars')}" is not a known metro`,
    ]);
  });

  it('refuses a body that is not an object', () => {
    expect(problemsOf([1])).toEqual(['batches[0] must be an object']);
  });
});

describe('validateDeviceItem', () => {
  const device = { plan: 'c1.small.x86', operating_system: 'ubuntu_22_04', metro: 'sv', hostname: 'db-1' };

  it("takes Metal's DeviceCreateInput as an item of one named by its hostname", () => {
    expect(validateDeviceItem(device, catalog)).toMatchObject({
      ok: true,
      item: { quantity: 1, hostname: 'db-1', metro: 'sv', facility: ['any'] },
    });
    expect(validateDeviceItem({ ...device, quantity: 1, hostnames: null }, catalog)).toMatchObject({ ok: true });
  });

  it("refuses a batch's quantity and hostnames beside every other problem", () => {
    expect(
      validateDeviceItem({ ...device, hostname: undefined, hostnames: ['a', 'b'], quantity: 2, plan: 'nope' }, catalog),
    ).toEqual({
      ok: false,
      problems: [
        'device.hostnames names the devices of a batch: one device is named by hostname',
        'device.quantity must be 1: a batch request deploys more',
        'device.plan "nope" is not a known plan',
      ],
    });
    expect(validateDeviceItem('db-1', catalog)).toEqual({ ok: false, problems: ['device must be an object'] });
  });
});
