import type { OpenAPIObject } from '@nestjs/swagger';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface DocumentedRoute {
  template: string;
  pattern: RegExp;
}

const pointerSegment = (segment: string) =>
  encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'));

/**
 * Holds every response the tests receive to the OpenAPI document of the app under test: a
 * documented route must declare the status it answered with, and the body must match the schema
 * declared for it, which is also the schema Fastify serialised the body with.
 */
export class ResponseContract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly routes: DocumentedRoute[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenAPIObject) {
    addFormats.default(this.ajv);
    // The whole document under one id, so the schemas' #/components/... references resolve.
    this.ajv.addSchema(document, 'openapi');
    this.routes = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** Throws, naming the operation, when the response is not one its route documents. */
  check(method: string, url: string, status: number, body: unknown): void {
    const path = new URL(url).pathname;
    const verb = method.toLowerCase() as (typeof METHODS)[number];
    const route = this.routes.find(({ pattern }) => pattern.test(path));
    // Undocumented on purpose: unknown routes, the docs UI, /metrics, CORS preflights.
    const operation = route && METHODS.includes(verb) && this.document.paths[route.template]![verb];
    if (!route || !operation) return;
    const name = `${operation.operationId} (${method} ${route.template})`;
    const declared = operation.responses[String(status)] as
      { content?: Record<string, unknown> } | undefined;
    if (!declared) {
      throw new Error(
        `${name} answered ${status}, which its OpenAPI operation does not declare: ` +
          JSON.stringify(body),
      );
    }
    if (!declared.content?.['application/json']) {
      if (body !== '')
        throw new Error(`${name} answered ${status} with a body it does not declare`);
      return;
    }
    const validate = this.validator(route.template, verb, status);
    if (!validate(body)) {
      throw new Error(
        `${name} answered ${status} with a body that does not match its schema: ` +
          `${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
      );
    }
  }

  private validator(template: string, verb: string, status: number): ValidateFunction {
    const segments = ['paths', template, verb, 'responses', String(status), 'content'];
    const pointer = [...segments, 'application/json', 'schema'].map(pointerSegment).join('/');
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.getSchema(`openapi#/${pointer}`);
      if (!validate) throw new Error(`no schema at ${pointer}`);
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}
