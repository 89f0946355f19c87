import { NewerEventVersionError, UnknownEventVersionError } from './errors';

/** Turns the data of `type` at schema version `fromVersion` into version `fromVersion + 1`. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/**
 * Applies upcasters in order until an event reaches its current schema version. An event of a version above the
 * current one is refused, never misread as the current one; so is one of a type the current versions do not list,
 * when they are given (a log's schema lists every type it holds): a newer release wrote it, and a reader that passed
 * over it (a projection, a decider's fold) would lose what it says.
 */
export class Upcasters {
  private readonly byKey = new Map<string, Upcaster>();
  private readonly currentVersions: Record<string, number>;
  private readonly listsEveryType: boolean;

  constructor(currentVersions?: Record<string, number>, upcasters: Upcaster[] = []) {
    this.currentVersions = currentVersions ?? {};
    this.listsEveryType = currentVersions !== undefined;
    for (const upcaster of upcasters) this.byKey.set(`${upcaster.type}@${upcaster.fromVersion}`, upcaster);
  }

  /** Whether events of this type can be read here (any type, when the current versions were not given). */
  knows(type: string): boolean {
    return !this.listsEveryType || Object.hasOwn(this.currentVersions, type);
  }

  /** The version events of this type are written at; one the stream's schema does not list is not written at all. */
  currentVersion(type: string): number {
    if (!this.knows(type)) throw new Error(`${type} is not in the stream's schema: list it with its version`);
    return this.currentVersions[type] ?? 1;
  }

  upcast(type: string, version: number, data: unknown): { version: number; data: unknown } {
    if (!this.knows(type)) throw new NewerEventVersionError(type, version, null);
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
