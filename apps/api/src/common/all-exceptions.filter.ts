import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-body';

/**
 * Every error leaves through here: Nest routes Fastify's parser errors and unknown routes to its
 * global filters too, so one filter gives every response the same shape.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const { body, headers, unexpected } = toErrorResponse(exception, String(request.id));
    if (unexpected) request.log.error({ err: exception }, 'request failed');
    void http.getResponse<FastifyReply>().status(body.status).headers(headers).send(body);
  }
}
