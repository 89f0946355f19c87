import { DemoCatalog } from '@flotilla/batch-domain';

/** What a fresh system offers, so it is usable out of the box (batch-deployment.md §1). Operators change it by API. */
export const demoCatalog: DemoCatalog & { capacity: { facility: string; plan: string; total: number }[] } = {
  // Metal's metro codes for the areas of the demo facilities.
  metros: [
    { code: 'sv', name: 'Silicon Valley', country: 'US' },
    { code: 'ny', name: 'New York', country: 'US' },
    { code: 'da', name: 'Dallas', country: 'US' },
    { code: 'am', name: 'Amsterdam', country: 'NL' },
    { code: 'ty', name: 'Tokyo', country: 'JP' },
  ],
  facilities: [
    { code: 'sjc1', name: 'Sunnyvale, CA', metro: 'sv' },
    { code: 'ewr1', name: 'Parsippany, NJ', metro: 'ny' },
    { code: 'dfw1', name: 'Dallas, TX', metro: 'da' },
    { code: 'ams1', name: 'Amsterdam, NL', metro: 'am' },
    { code: 'nrt1', name: 'Tokyo, JP', metro: 'ty' },
  ],
  plans: [
    { slug: 'c1.small.x86', name: 'c1.small.x86', architecture: 'x86_64' },
    { slug: 'c3.medium.x86', name: 'c3.medium.x86', architecture: 'x86_64' },
    { slug: 'm3.large.x86', name: 'm3.large.x86', architecture: 'x86_64' },
    { slug: 'c3.large.arm64', name: 'c3.large.arm64', architecture: 'aarch64' },
  ],
  operatingSystems: [
    {
      slug: 'ubuntu_22_04',
      name: 'Ubuntu 22.04 LTS',
      provisionableOn: ['c1.small.x86', 'c3.medium.x86', 'm3.large.x86', 'c3.large.arm64'],
    },
    {
      slug: 'debian_12',
      name: 'Debian 12',
      provisionableOn: ['c1.small.x86', 'c3.medium.x86', 'm3.large.x86', 'c3.large.arm64'],
    },
    { slug: 'rocky_9', name: 'Rocky Linux 9', provisionableOn: ['c3.medium.x86', 'm3.large.x86'] },
    { slug: 'windows_2022', name: 'Windows Server 2022', provisionableOn: ['m3.large.x86'] },
  ],
  spotPrices: [
    { facility: 'sjc1', plan: 'c1.small.x86', price: 0.15 },
    { facility: 'ewr1', plan: 'c1.small.x86', price: 0.35 },
    { facility: 'dfw1', plan: 'c1.small.x86', price: 0.1 },
    { facility: 'sjc1', plan: 'c3.medium.x86', price: 0.45 },
    { facility: 'ewr1', plan: 'c3.medium.x86', price: 0.5 },
    { facility: 'dfw1', plan: 'c3.medium.x86', price: 0.4 },
  ],
  capacity: [
    { facility: 'sjc1', plan: 'c1.small.x86', total: 7 },
    { facility: 'ewr1', plan: 'c1.small.x86', total: 24 },
    { facility: 'dfw1', plan: 'c1.small.x86', total: 50 },
    { facility: 'ams1', plan: 'c1.small.x86', total: 20 },
    { facility: 'sjc1', plan: 'c3.medium.x86', total: 40 },
    { facility: 'ewr1', plan: 'c3.medium.x86', total: 40 },
    { facility: 'dfw1', plan: 'c3.medium.x86', total: 60 },
    { facility: 'nrt1', plan: 'c3.medium.x86', total: 20 },
    { facility: 'ewr1', plan: 'm3.large.x86', total: 10 },
    { facility: 'ams1', plan: 'm3.large.x86', total: 10 },
    { facility: 'dfw1', plan: 'c3.large.arm64', total: 12 },
  ],
};
