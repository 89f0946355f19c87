import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'metros' })
export class MetroRow {
  @PrimaryColumn('text') code!: string;
  @Column('text') name!: string;
  @Column('text') country!: string;
}

@Entity({ name: 'facilities' })
export class FacilityRow {
  @PrimaryColumn('text') code!: string;
  @Column('text') name!: string;
  @Column({ type: 'text', nullable: true }) metro!: string | null;
}

@Entity({ name: 'plans' })
export class PlanRow {
  @PrimaryColumn('text') slug!: string;
  @Column('text') name!: string;
  @Column('text') architecture!: string;
}

@Entity({ name: 'operating_systems' })
export class OperatingSystemRow {
  @PrimaryColumn('text') slug!: string;
  @Column('text') name!: string;
  @Column({ name: 'provisionable_on', type: 'jsonb' }) provisionableOn!: string[];
}

@Entity({ name: 'spot_prices' })
export class SpotPriceRow {
  @PrimaryColumn('text') facility!: string;
  @PrimaryColumn('text') plan!: string;
  @Column('double precision') price!: number;
}

@Entity({ name: 'capacity' })
export class CapacityRow {
  @PrimaryColumn('text') facility!: string;
  @PrimaryColumn('text') plan!: string;
  @Column('integer') total!: number;
  /** Servers of live devices. */
  @Column('integer') held!: number;
  /** Servers reserved by batches in flight. */
  @Column('integer') reserved!: number;
}

@Entity({ name: 'batches' })
export class BatchRow {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'project_id', type: 'uuid' }) projectId!: string;
  @Column({ name: 'organization_id', type: 'uuid' }) organizationId!: string;
  @Column('text') state!: string;
  @Column('integer') quantity!: number;
  @Column('text') plan!: string;
  @Column({ name: 'error_messages', type: 'jsonb' }) errorMessages!: string[];
  @Column({ name: 'facility_allocations', type: 'jsonb', nullable: true }) facilityAllocations!:
    { facility: string; quantity: number }[] | null;
  @Column({ name: 'device_ids', type: 'jsonb' }) deviceIds!: string[];
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'devices' })
export class DeviceRow {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'batch_id', type: 'uuid' }) batchId!: string;
  @Column({ name: 'project_id', type: 'uuid' }) projectId!: string;
  @Column({ name: 'organization_id', type: 'uuid' }) organizationId!: string;
  @Column('integer') position!: number;
  @Column('text') hostname!: string;
  @Column('text') state!: string;
  @Column('text') plan!: string;
  @Column('text') facility!: string;
  @Column({ name: 'operating_system', type: 'text' }) operatingSystem!: string;
  @Column({ name: 'billing_cycle', type: 'text' }) billingCycle!: string;
  @Column('jsonb') tags!: string[];
  @Column({ name: 'spot_instance', type: 'boolean' }) spotInstance!: boolean;
  @Column({ name: 'spot_price_max', type: 'double precision', nullable: true }) spotPriceMax!: number | null;
  @Column({ name: 'spot_price', type: 'double precision', nullable: true }) spotPrice!: number | null;
  @Column('jsonb') attributes!: Record<string, unknown>;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/**
 * SQL: the device row under `alias` is locked. Its lock is kept in its `attributes`, where its batch item's `locked`
 * is, and the batch projection sets it there on `DeviceLockChanged`.
 */
export const deviceIsLocked = (alias: string) => `${alias}.attributes @> '{"locked": true}'`;

/**
 * A device's quarantine flag as the update-resolver reports it: by organization and the resolver's device identifier,
 * which for a provisioned server is its id here, and for any other device free text.
 */
@Entity({ name: 'device_quarantine' })
export class DeviceQuarantineRow {
  @PrimaryColumn({ name: 'organization_id', type: 'text' }) organizationId!: string;
  @PrimaryColumn({ type: 'text' }) identifier!: string;
  @Column('boolean') quarantined!: boolean;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

export const batchEntities = [
  MetroRow,
  FacilityRow,
  PlanRow,
  OperatingSystemRow,
  SpotPriceRow,
  CapacityRow,
  BatchRow,
  DeviceRow,
  DeviceQuarantineRow,
];
