import { ValidateIf } from 'class-validator';

/**
 * The field may be left out; given, its other decorators check it. Unlike class-validator's `IsOptional`, a `null` is
 * not taken for absent: no field of a request has null in its type, so a `null` is told as the wrong type rather than
 * handed to the service as one.
 */
export const Optional = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);
