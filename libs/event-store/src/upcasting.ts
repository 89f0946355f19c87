import { NewerEventVersionError, UnknownEventVersionError } from './errors';

/** Turns the data of `type` at schema version `fromVersion` into version `fromVersion + 1`. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/**
 * Applies upcasters in order until an event reaches its current schema version. An event of a version above the
 * current one is refused, never misread as the current one.
 */
export class Upcasters {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(
    private readonly currentVersions: Record<string, number> = {},
    upcasters: Upcaster[] = [],
  ) {
    for (const upcaster of upcasters) this.byKey.set(`${upcaster.type}@${upcaster.fromVersion}`, upcaster);
  }

  currentVersion(type: string): number {
    return this.currentVersions[type] ?? 1;
  }

  upcast(type: string, version: number, data: unknown): { version: number; data: unknown } {
    const target = this.currentVersion(type);
    if (version > target) throw new NewerEventVersionError(type, version, target);
    while (version < target) {
      const upcaster = this.byKey.get(`${type}@${version}`);
      if (!upcaster) throw new UnknownEventVersionError(type, version);
      data = upcaster.upcast(data);
      version += 1;
    }
    return { version, data };
  }
}
