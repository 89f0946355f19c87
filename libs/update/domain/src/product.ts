import { Firmware, FirmwareCreated, ProductCreated } from '@flotilla/events';
import { Decider, DomainError } from '@flotilla/decider';
import { InvalidVersionError, parseVersion } from './version';

/** A product exists once per organization and name (`evt.update.product.<key>`). */
export const productDecider: Decider<
  { type: 'CreateProduct'; organizationId: string; name: string },
  { exists: boolean },
  ProductCreated
> = {
  initialState: () => ({ exists: false }),
  decide(command, state, { now }) {
    if (state.exists) throw DomainError.conflict(`product ${command.name} already exists`);
    const name = typeof command.name === 'string' ? command.name.trim() : '';
    if (!name || name.length > 200) throw DomainError.invalid(['name must be 1 to 200 characters']);
    return [
      { type: 'ProductCreated', data: { organizationId: command.organizationId, name, createdAt: now.toISOString() } },
    ];
  },
  evolve: () => ({ exists: true }),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a firmware as an operator describes it; every problem listed. */
export function checkFirmware(raw: Record<string, unknown>, organizationId: string, product: string): Firmware {
  const problems: string[] = [];
  const text = (field: string, required: boolean): string | null => {
    const value = raw[field];
    if (value === undefined || value === null) {
      if (required) problems.push(`${field} is required`);
      return null;
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > 2048) {
      problems.push(`${field} must be a string of 1 to 2048 characters`);
      return null;
    }
    return value;
  };
  const uuid = text('uuid', true);
  if (uuid && !UUID.test(uuid)) problems.push('uuid must be a UUID');
  const version = text('version', true);
  if (version) {
    try {
      parseVersion(version);
    } catch (err) {
      if (!(err instanceof InvalidVersionError)) throw err;
      problems.push(`version "${version}" is not a SemVer version`);
    }
  }
  const architecture = text('architecture', true);
  const platform = text('platform', true);
  const artifactUrl = text('artifact_url', true);
  if (artifactUrl && !/^https?:\/\/\S+$/.test(artifactUrl)) problems.push('artifact_url must be an http(s) URL');
  const author = text('author', false);
  const description = text('description', false);
  const vcsIdentifier = text('vcs_identifier', false);
  const misc = text('misc', false);
  if (problems.length) throw DomainError.invalid(problems);
  return {
    uuid: (uuid as string).toLowerCase(),
    product,
    version: version as string,
    architecture: architecture as string,
    platform: platform as string,
    organizationId,
    artifactUrl: artifactUrl as string,
    author,
    description,
    vcsIdentifier,
    misc,
  };
}

/** A firmware is created once per uuid (`evt.update.firmware.<uuid>`), never changed. */
export const firmwareDecider: Decider<
  { type: 'CreateFirmware'; firmware: Firmware },
  { exists: boolean },
  FirmwareCreated
> = {
  initialState: () => ({ exists: false }),
  decide(command, state, { now }) {
    if (state.exists) throw DomainError.conflict(`firmware ${command.firmware.uuid} already exists`);
    return [{ type: 'FirmwareCreated', data: { ...command.firmware, createdAt: now.toISOString() } }];
  },
  evolve: () => ({ exists: true }),
};
