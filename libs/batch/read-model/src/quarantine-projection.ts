import { Projection } from '@flotilla/projections';

/**
 * Quarantine flags of devices, from the update-resolver's stream. Kept in a table of their own, keyed by device id,
 * because the two streams are not ordered with each other: a flag may arrive before the device row exists.
 */
export function quarantineProjection(schema: string): Projection {
  const flag = (quarantined: boolean): Projection['handlers'][string] => async (event, { manager, table }) => {
    const { deviceId } = event.data as { deviceId: string };
    await manager.query(
      `insert into ${table('device_quarantine')} (device_id, quarantined, updated_at) values ($1, $2, $3)
       on conflict (device_id) do update set quarantined = excluded.quarantined, updated_at = excluded.updated_at`,
      [deviceId, quarantined, event.time],
    );
  };
  return {
    name: 'device_quarantine',
    schema,
    tables: ['device_quarantine'],
    handlers: { DeviceQuarantined: flag(true), DeviceUnquarantined: flag(false) },
  };
}
