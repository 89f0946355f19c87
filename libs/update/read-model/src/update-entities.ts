import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DeploymentConditions, FailureRules, FirmwareMetadata } from '@flotilla/events';

@Entity({ name: 'products' })
export class ProductRow {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid' }) organizationId!: string;
  @PrimaryColumn('text') name!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'firmwares' })
export class FirmwareRow {
  @PrimaryColumn('text') uuid!: string;
  @Column({ name: 'organization_id', type: 'uuid' }) organizationId!: string;
  @Column('text') product!: string;
  @Column('text') version!: string;
  @Column('text') architecture!: string;
  @Column('text') platform!: string;
  @Column({ name: 'artifact_url', type: 'text' }) artifactUrl!: string;
  @Column({ type: 'text', nullable: true }) author!: string | null;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ name: 'vcs_identifier', type: 'text', nullable: true }) vcsIdentifier!: string | null;
  @Column({ type: 'text', nullable: true }) misc!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'deployments' })
export class DeploymentRow {
  @PrimaryColumn('text') id!: string;
  @Column({ name: 'organization_id', type: 'uuid' }) organizationId!: string;
  @Column('text') product!: string;
  @Column('text') name!: string;
  @Column({ name: 'firmware_uuid', type: 'text' }) firmwareUuid!: string;
  @Column('jsonb') conditions!: DeploymentConditions;
  @Column({ name: 'is_active', type: 'boolean' }) isActive!: boolean;
  @Column('boolean') quarantined!: boolean;
  @Column({ name: 'quarantine_reason', type: 'text', nullable: true }) quarantineReason!: string | null;
  @Column('jsonb') rules!: FailureRules;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'devices' })
export class UpdateDeviceRow {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid' }) organizationId!: string;
  @PrimaryColumn('text') identifier!: string;
  @Column('text') product!: string;
  @Column('jsonb') tags!: string[];
  @Column('boolean') quarantined!: boolean;
  @Column({ name: 'firmware_metadata', type: 'jsonb', nullable: true }) firmwareMetadata!: FirmwareMetadata | null;
  @Column('boolean') retired!: boolean;
  @Column('integer') attempts!: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

export const updateEntities = [ProductRow, FirmwareRow, DeploymentRow, UpdateDeviceRow];
