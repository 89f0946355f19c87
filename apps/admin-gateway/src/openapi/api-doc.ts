import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiSchemas } from './api-schemas';

type SchemaName = keyof typeof ApiSchemas;

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

const problems =
  '401 without a valid X-Auth-Token, 403 when only the root token may, 404 for what is not there or another ' +
  "organization's, 409 on a conflict, 413 above the body limit, 415 for a body that is not JSON, 422 with every problem listed";

/**
 * A route in the API document: what it does, its answer (a schema of `api-schemas.ts`, none for 204), its body, and
 * the errors every route may answer, as Metal's `{"errors": [...]}`.
 */
export const Doc = (
  summary: string,
  answer: SchemaName | { status: number | number[]; schema?: SchemaName },
  body?: SchemaName,
) => {
  const { status, schema } = typeof answer === 'string' ? { status: 200, schema: answer } : answer;
  return applyDecorators(
    ApiOperation({ summary }),
    ...[status].flat().map((code) =>
      ApiResponse({
        status: code,
        description: schema ? summary : 'done',
        ...(schema ? { schema: ref(schema) } : {}),
      }),
    ),
    ApiResponse({ status: '4XX', description: problems, schema: ref('Error') }),
    ApiResponse({ status: '5XX', description: '503 when a service does not answer', schema: ref('Error') }),
    ...(body ? [ApiBody({ schema: ref(body) })] : []),
  );
};
