import { HttpException, HttpStatus } from '@nestjs/common';
import { ApiError, type ErrorBody } from './api-error';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

export interface ErrorResponse {
  body: ErrorBody;
  headers: Record<string, string>;
  /** True for errors the client did not cause; those are logged with their stack. */
  unexpected: boolean;
}

/**
 * Turns anything thrown while serving a request (our ApiErrors, Nest's HttpExceptions, Fastify's
 * errors, bugs) into the one error shape. Client mistakes never become 5xx.
 */
export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof ApiError) {
    const status = error.getStatus();
    return {
      body: {
        status,
        error: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
        request_id: requestId,
      },
      headers: error.headers,
      unexpected: false,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return {
      body: {
        status,
        error: CODE_BY_STATUS[status] ?? 'error',
        message: error.message,
        request_id: requestId,
      },
      headers: {},
      unexpected: status >= 500,
    };
  }
  // Fastify's own errors (parser, body limit) carry a statusCode when Nest has not mapped them.
  const fastifyError = error as { statusCode?: unknown; message?: unknown };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    return {
      body: {
        status,
        error: CODE_BY_STATUS[status] ?? 'bad_request',
        message: typeof fastifyError.message === 'string' ? fastifyError.message : 'Bad request',
        request_id: requestId,
      },
      headers: {},
      unexpected: false,
    };
  }
  return {
    body: {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'internal_error',
      message: 'Internal server error',
      request_id: requestId,
    },
    headers: {},
    unexpected: true,
  };
}
