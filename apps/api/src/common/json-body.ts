import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ApiError } from './api-error';

const badRequest = (message: string) =>
  new ApiError(HttpStatus.BAD_REQUEST, 'bad_request', message);

// fatal: Node's default decoding replaces invalid bytes with U+FFFD, so a corrupted body would be
// stored as if the client had sent it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The only body the API accepts: JSON in strict UTF-8. Every other content type (Nest's
 * url-encoded parser, Fastify's text/plain one) is removed, so Fastify answers them 415.
 * `__proto__` and `constructor.prototype` keys are a validation failure like any other unknown
 * property (422), not a parse error.
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (_request, body: Buffer, done) => {
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        done(badRequest('Body is not valid UTF-8'), undefined);
        return;
      }
      if (text.trim() === '') {
        done(badRequest('Body must not be empty when Content-Type is application/json'), undefined);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        done(badRequest('Body is not valid JSON'), undefined);
        return;
      }
      try {
        if (typeof parsed === 'object' && parsed !== null) {
          secureJson.scan(parsed, { protoAction: 'error', constructorAction: 'error' });
        }
      } catch {
        done(
          new ApiError(
            HttpStatus.UNPROCESSABLE_ENTITY,
            'validation_failed',
            'Request validation failed',
            [
              {
                field: 'body',
                message: 'must not contain __proto__ or constructor.prototype keys',
              },
            ],
          ),
          undefined,
        );
        return;
      }
      done(null, parsed);
    },
  );
}
