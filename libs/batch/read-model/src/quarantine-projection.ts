import { DeviceQuarantined, DeviceUnquarantined } from '@flotilla/events';
import { defineProjection, Projection, ProjectionContext } from '@flotilla/projections';
import { RecordedEvent } from '@flotilla/event-store';

type Flag = DeviceQuarantined | DeviceUnquarantined;

/**
 * Quarantine flags of devices, from the update-resolver's stream. Kept in a table of their own, keyed by organization
 * and the resolver's device identifier (free text: not every device came from a batch), because the two streams are
 * not ordered with each other: a flag may arrive before the device row exists.
 */
export function quarantineProjection(schema: string): Projection {
  const flag =
    (quarantined: boolean) =>
    async (event: RecordedEvent<Flag>, { manager, table }: ProjectionContext) => {
      const { organizationId, identifier } = event.data;
      await manager.query(
        `insert into ${table('device_quarantine')} (organization_id, identifier, quarantined, updated_at)
           values ($1, $2, $3, $4)
       on conflict (organization_id, identifier) do update
         set quarantined = excluded.quarantined, updated_at = excluded.updated_at`,
        [organizationId, identifier, quarantined, event.time],
      );
    };
  return defineProjection<Flag>({
    name: 'device_quarantine',
    schema,
    tables: ['device_quarantine'],
    handlers: { DeviceQuarantined: flag(true), DeviceUnquarantined: flag(false) },
  });
}
