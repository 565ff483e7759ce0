import { HttpStatus, StandardSchemaValidationPipe } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ApiError, type ErrorDetail } from './api-error';

function issueDetails(issue: StandardSchemaV1.Issue): ErrorDetail[] {
  const field = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
  // zod reports unknown properties as one issue listing the keys: name each of them.
  const keys = (issue as { keys?: unknown }).keys;
  if (Array.isArray(keys)) {
    return keys.map((key) => ({
      field: field ? `${field}.${String(key)}` : String(key),
      message: 'is not an allowed property',
    }));
  }
  return [{ field: field || 'body', message: issue.message }];
}

/**
 * Validates every @Body/@Query/@Param that declares a `schema` and answers 422 naming each failing
 * field, the way the FastAPI service this replaces did.
 */
export function createValidationPipe(): StandardSchemaValidationPipe {
  return new StandardSchemaValidationPipe({
    exceptionFactory: (issues) =>
      new ApiError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'validation_failed',
        'Request validation failed',
        issues.flatMap(issueDetails),
      ),
  });
}
