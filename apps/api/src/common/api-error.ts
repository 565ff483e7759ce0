import { HttpException, HttpStatus } from '@nestjs/common';

export interface ErrorDetail {
  field: string;
  message: string;
}

/** The one error body every endpoint answers with. */
export interface ErrorBody {
  status: number;
  error: string;
  message: string;
  details?: ErrorDetail[];
  request_id?: string;
}

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
