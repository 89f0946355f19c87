import { setImmediate as yieldToChecks } from 'node:timers/promises';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Gauge } from 'prom-client';
import { EventStore } from '@flotilla/event-store';
import { HealthRegistry, Repeating } from '@flotilla/nest-platform';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { encodeFleet, FLEET_SNAPSHOT_FORMAT, PartsChecksum } from './fleet-snapshot';
import { FleetSnapshotStore } from './fleet-snapshot-store';
import { FleetView } from './fleet-view';

/**
 * Writes the fleet view down once the log has grown `FLEET_SNAPSHOT_EVERY` commits past the newest snapshot (any
 * instance's), looking every `FLEET_SNAPSHOT_CHECK_MS` and as soon as the view has caught up at start: a start then
 * reads the snapshot and the log after it, not the whole log. The view's contents are copied in one go and encoded a
 * part per turn of the event loop, so checks and commits go on meanwhile. Told to stop (a rolling deploy), it writes
 * the view down once more if the log is `FLEET_SNAPSHOT_AT_STOP` commits past the newest, so the next start reads
 * next to nothing; a crash leaves the periodic one.
 */
@Injectable()
export class FleetSnapshotter implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('fleet-snapshots');
  private readonly taken: Gauge;
  private readonly checks: Repeating;

  constructor(
    private readonly view: FleetView,
    private readonly snapshots: FleetSnapshotStore,
    private readonly store: EventStore,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
    health: HealthRegistry,
  ) {
    this.checks = new Repeating(config.snapshots.checkMs, async () => {
      try {
        await this.takeIfDue();
      } catch (err) {
        this.logger.warn({ msg: 'snapshot not taken', error: (err as Error).message });
      }
    });
    this.taken = new Gauge({
      name: 'flotilla_fleet_snapshot_stream_seq',
      help: 'Stream sequence of the newest fleet-view snapshot this instance wrote',
      registers: [health.metrics],
    });
  }

  onApplicationBootstrap(): void {
    void this.view.caughtUp().then(() => this.checks.start(0));
  }

  /** While the view still follows the log (it stops at shutdown, after this). */
  async beforeApplicationShutdown(): Promise<void> {
    this.checks.stop();
    try {
      await this.takeIfDue(this.config.snapshots.atStop);
    } catch (err) {
      this.logger.warn({ msg: 'snapshot at stop not taken', error: (err as Error).message });
    }
  }

  onApplicationShutdown(): void {
    this.checks.stop();
  }

  /** Takes a snapshot if the log has grown `due` commits since the newest; returns its stream sequence, or null. */
  async takeIfDue(due = this.config.snapshots.every): Promise<number | null> {
    const { name, created } = await this.store.currentIdentity();
    const { header } = await this.snapshots.newest(name, created);
    if (this.view.streamSeq - (header?.streamSeq ?? 0) < due) return null;
    return this.take();
  }

  /** Writes the view down as it is now; returns the stream sequence it reflects, or null if it has no stream yet. */
  async take(): Promise<number | null> {
    const started = performance.now();
    const contents = this.view.contents();
    if (!contents) return null;
    const copiedMs = performance.now() - started;
    const parts: string[] = [];
    const checksum = new PartsChecksum();
    for (const part of encodeFleet(contents)) {
      parts.push(checksum.add(part));
      await yieldToChecks();
    }
    const devices = contents.devices.size;
    const id = await this.snapshots.save(
      {
        format: FLEET_SNAPSHOT_FORMAT,
        stream: this.store.stream,
        streamCreated: contents.streamCreated,
        streamSeq: contents.streamSeq,
        takenAt: new Date(),
        parts: parts.length,
        devices,
        sha256: checksum.digest(),
      },
      parts,
    );
    this.taken.set(contents.streamSeq);
    this.logger.log({
      msg: 'snapshot taken',
      snapshot: id,
      streamSeq: contents.streamSeq,
      devices,
      bytes: parts.reduce((sum, part) => sum + part.length, 0),
      copiedMs: Math.round(copiedMs),
      ms: Math.round(performance.now() - started),
    });
    return contents.streamSeq;
  }
}
