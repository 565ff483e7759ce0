import { applyDecorators } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiOperation, ApiResponse, type HeadersObject } from '@nestjs/swagger';
import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import { errorBodySchema } from './api-error';

export interface ResponseSpec {
  description: string;
  /** The body's schema; none for a response without a body (204). */
  schema?: StandardJSONSchemaV1;
  headers?: HeadersObject;
}

export interface OperationSpec {
  /** Stable: generated clients name their functions after it. */
  id: string;
  summary: string;
  description?: string;
  /** Routes without a bearer token say so, so the document states every route's security. */
  public?: boolean;
  responses: Record<number, ResponseSpec>;
}

/**
 * The JSON Schema a response schema documents and serialises with: the document's converter
 * (@nestjs/swagger) asks the schema for this same output, so the two cannot drift apart.
 */
export function responseJsonSchema(schema: StandardJSONSchemaV1): Record<string, unknown> {
  return schema['~standard'].jsonSchema.output({ target: 'openapi-3.0' });
}

/**
 * Declares an operation once for the document and for Fastify: each response's schema appears in
 * the OpenAPI document and is the route's `schema.response`, from which Fastify compiles the
 * serialiser for that status (fields outside the schema are not sent).
 */
export function Operation(spec: OperationSpec): MethodDecorator {
  const serialisers: Record<string, unknown> = {};
  // Any route can fail unexpectedly, e.g. while PostgreSQL is away; that answer has the shape too.
  const declared = { ...spec.responses, 500: errorResponse(500) };
  const responses = Object.entries(declared).map(([status, response]) => {
    if (response.schema) serialisers[status] = responseJsonSchema(response.schema);
    return ApiResponse({
      status: Number(status),
      description: response.description,
      ...(response.schema ? { standardSchema: response.schema } : {}),
      ...(response.headers ? { headers: response.headers } : {}),
    });
  });
  return applyDecorators(
    ApiOperation({
      operationId: spec.id,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.public ? { security: [] } : {}),
    }),
    ...responses,
    RouteSchema({ response: serialisers }),
  );
}

export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

const ERROR_RESPONSES: Record<ErrorStatus, ResponseSpec> = {
  400: {
    description:
      'Malformed request: a body that is not JSON in valid UTF-8, or a URL with bad ' +
      '%-encoding (`bad_request`)',
  },
  401: {
    description: 'Missing, invalid or expired bearer token (`unauthorized`)',
    headers: { 'WWW-Authenticate': { description: 'Bearer', schema: { type: 'string' } } },
  },
  404: { description: 'No such resource, or not the caller’s (`not_found`)' },
  409: { description: 'Conflicts with an existing resource' },
  413: { description: 'Body over 1 MiB (`payload_too_large`)' },
  415: { description: 'Body not sent as `application/json` (`unsupported_media_type`)' },
  422: {
    description:
      'Invalid input, one `details` entry per field, `__proto__` keys included ' +
      '(`validation_failed`)',
  },
  429: {
    description: 'Too many attempts (`too_many_requests`)',
    headers: {
      'Retry-After': { description: 'Seconds until a retry', schema: { type: 'integer' } },
    },
  },
  500: {
    description:
      'Unexpected failure, e.g. PostgreSQL unreachable (`internal_error`); logged with the request id',
  },
  503: { description: 'A dependency is unavailable; retry later' },
};

/** Error responses in the one error shape, with their usual descriptions. */
export function errors(...statuses: ErrorStatus[]): Record<number, ResponseSpec> {
  return Object.fromEntries(statuses.map((status) => [status, errorResponse(status)]));
}

/** One error response in the one error shape; `description` says what it means for this route. */
export function errorResponse(status: ErrorStatus, description?: string): ResponseSpec {
  const usual = ERROR_RESPONSES[status];
  return { ...usual, description: description ?? usual.description, schema: errorBodySchema };
}
