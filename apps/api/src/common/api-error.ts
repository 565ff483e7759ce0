import { HttpException, HttpStatus } from '@nestjs/common';
import { z } from 'zod';

export const errorDetailSchema = z
  .strictObject({
    field: z.string().meta({ description: 'The failing field as a dotted path, or `body`' }),
    message: z.string(),
  })
  .meta({ id: 'ErrorDetail' });

/**
 * The one error body every endpoint answers with. It documents every error response, serialises
 * them, and the tests check error responses against it.
 */
export const errorBodySchema = z
  .strictObject({
    status: z.int().min(400).max(599).meta({ description: 'The HTTP status code' }),
    error: z.string().meta({
      description: 'A stable machine-readable code, e.g. `validation_failed`, `email_taken`',
    }),
    message: z.string().meta({ description: 'A human-readable explanation' }),
    details: z
      .array(errorDetailSchema)
      .optional()
      .meta({ description: 'One entry per failing field (validation errors)' }),
    request_id: z
      .string()
      .optional()
      .meta({ description: 'The X-Request-Id of the request, also on its log lines' }),
  })
  .meta({
    id: 'Error',
    examples: [
      {
        status: 422,
        error: 'validation_failed',
        message: 'Request validation failed',
        details: [{ field: 'title', message: 'must not be empty' }],
        request_id: '6f1c2a4e-8d3b-4f5a-9c7e-2b1d0e9f8a7c',
      },
    ],
  });

export type ErrorDetail = z.infer<typeof errorDetailSchema>;
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** An HTTP error carrying a stable machine-readable code, e.g. `email_taken`. */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message, status);
  }
}

export const notFound = (what: string) =>
  new ApiError(HttpStatus.NOT_FOUND, 'not_found', `${what} not found`);
