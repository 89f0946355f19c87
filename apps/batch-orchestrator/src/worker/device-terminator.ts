import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeviceRow, deviceIsLocked } from '@flotilla/batch-read-model';
import { isTransient } from '@flotilla/event-store';
import { Repeating } from '@flotilla/nest-platform';
import { BatchRepository, DeviceRepository } from '../batches/batch-repositories';
import { deleteDevice } from '../batches/delete-device';
import { CONFIG, OrchestratorConfig } from '../config';

/** Devices terminated in one sweep at most; the rest wait for the next. */
const SWEEP_AT_MOST = 500;

/**
 * Deletes devices whose `termination_time` has come, as Metal terminates them, and gives their servers back. It looks
 * every `terminationSweepMs`, so a device whose time came while no instance ran is deleted at the next start. A locked
 * device is left as it is (the lock is against deletion), and one still being provisioned waits for its batch to
 * finish. Every instance sweeps: a device deleted twice is deleted once (its aggregate's state says so).
 */
@Injectable()
export class DeviceTerminator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('device-terminator');
  private readonly sweeps: Repeating;

  constructor(
    private readonly dataSource: DataSource,
    private readonly batches: BatchRepository,
    private readonly devices: DeviceRepository,
    @Inject(CONFIG) config: OrchestratorConfig,
  ) {
    this.sweeps = new Repeating(config.terminationSweepMs, async () => {
      try {
        await this.sweep(new Date());
      } catch (err) {
        this.logger.warn({ msg: 'termination sweep failed; tried again at the next', error: (err as Error).message });
      }
    });
  }

  onApplicationBootstrap(): void {
    this.sweeps.start();
  }

  onApplicationShutdown(): void {
    this.sweeps.stop();
  }

  /** Deletes the devices due at `now`; returns how many were due. */
  async sweep(now: Date): Promise<number> {
    const due = await this.dataSource
      .getRepository(DeviceRow)
      .createQueryBuilder('d')
      // The index's predicate, then its key: times are ISO 8601 UTC strings, so text order is time order.
      .where(`(d.attributes ->> 'termination_time') IS NOT NULL AND d.state IN ('active', 'failed')`)
      .andWhere(`(d.attributes ->> 'termination_time') <= :now`, { now: now.toISOString() })
      .andWhere(`NOT ${deviceIsLocked('d')}`)
      .orderBy(`(d.attributes ->> 'termination_time')`)
      .limit(SWEEP_AT_MOST)
      .getMany();
    const metadata = { actor: 'batch-orchestrator:termination' };
    for (const { id: deviceId, batchId, attributes } of due) {
      try {
        await deleteDevice(this.batches, this.devices, batchId, deviceId, { metadata }, true);
        this.logger.log({ msg: 'device terminated', deviceId, terminationTime: attributes.termination_time });
      } catch (err) {
        // NATS or Postgres away: the rest would meet it too, and the next sweep tries them all again.
        if (isTransient(err)) throw err;
        // A device of its own trouble holds none of the others back.
        this.logger.warn({ msg: 'device not terminated', deviceId, error: (err as Error).message });
      }
    }
    return due.length;
  }
}
