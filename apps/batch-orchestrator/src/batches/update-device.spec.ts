import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { UpdateDeviceRequest } from '@flotilla/contracts';
import { CHANGEABLE_DEVICE_FIELDS, UNCHANGEABLE_DEVICE_FIELDS } from '@flotilla/batch-domain';

// The request class documents the bus's payload (AsyncAPI); the domain decides. This keeps the two saying the same.
describe("the update-device request's schema", () => {
  const schema = validationMetadatasToSchemas()[UpdateDeviceRequest.name] as {
    properties: Record<string, { description?: string }>;
  };
  const fields = Object.keys(schema.properties).filter((field) => field !== 'deviceId');

  it('declares exactly the fields the domain checks, and marks as refused exactly those it refuses', () => {
    expect([...fields].sort()).toEqual([...CHANGEABLE_DEVICE_FIELDS, ...UNCHANGEABLE_DEVICE_FIELDS].sort());
    const refused = fields.filter((field) => /refused/.test(schema.properties[field].description ?? ''));
    expect(refused.sort()).toEqual([...UNCHANGEABLE_DEVICE_FIELDS].sort());
  });
});
