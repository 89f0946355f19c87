import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { allOf } from './all-of';

/**
 * The field may be left out, or be `null`, which says the same (as Metal's API reads a JSON null in an optional
 * field): the service is handed `undefined` for both, never a null its type does not have. Given, the field's other
 * decorators check it.
 */
export const Optional = (): PropertyDecorator =>
  allOf(
    Transform(({ value }) => (value === null ? undefined : value)),
    IsOptional(),
  );
