import { createHash } from 'node:crypto';
import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Doc } from '../openapi/api-doc';
import { ErrorCodes, UpdateAnswer, UpdateSubjects } from '@flotilla/contracts';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';

const PERIDIO_HEADERS = ['uuid', 'product', 'version', 'architecture', 'platform'] as const;

/** The device API (firmware-deployments.md §2): a device asks which firmware it should run. */
@ApiTags('device')
@Controller('device')
export class DeviceUpdateController {
  constructor(private readonly rpc: NatsRpcClient) {}

  @Doc("A device's check: the firmware it should run (Bearer credential and x-peridio-* headers)", 'UpdateAnswer')
  @Get('update')
  @ApiBearerAuth('device')
  @ApiHeader({ name: 'x-peridio-uuid', required: true, description: "the firmware's uuid the device runs" })
  @ApiHeader({ name: 'x-peridio-product', required: true })
  @ApiHeader({ name: 'x-peridio-version', required: true })
  @ApiHeader({ name: 'x-peridio-architecture', required: true })
  @ApiHeader({ name: 'x-peridio-platform', required: true })
  @ApiQuery({ name: 'preflight', required: false, enum: ['true', 'false'] })
  async update(
    @Headers() headers: Record<string, string | undefined>,
    @Query('preflight') preflight: string | undefined,
  ): Promise<{ data: UpdateAnswer }> {
    const credential = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    if (!credential)
      throw new RemoteError({
        code: ErrorCodes.unauthorized,
        message: 'missing device credential (Authorization: Bearer …)',
      });
    if (preflight !== undefined && preflight !== 'true' && preflight !== 'false') {
      throw new RemoteError({ code: ErrorCodes.validationFailed, message: 'preflight must be true or false' });
    }
    const peridio = Object.fromEntries(PERIDIO_HEADERS.map((name) => [name, headers[`x-peridio-${name}`]]));
    const data = await this.rpc.call(UpdateSubjects.resolve, {
      credentialHash: createHash('sha256').update(credential).digest('hex'),
      headers: peridio,
      preflight: preflight === 'true',
    });
    return { data };
  }
}
