import { readFileSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { apiEnvSchema, loadEnv } from '@starter/config';
import { createTestEnv, type TestEnv } from '@starter/testing';
import type { RouteOptions } from 'fastify';
import { createApp } from '../src/app.factory';
import { buildOpenApiDocument, serialiseOpenApiDocument } from '../src/openapi/openapi-document';
import { TestApi } from './support/test-api';

const COMMITTED = require.resolve('@starter/client/openapi.json');

/** Fails with the diff, and with what to do about it first. */
function expectSameDocument(actual: string, expected: string, remedy: string): void {
  try {
    expect(JSON.parse(actual)).toEqual(JSON.parse(expected));
    expect(actual).toBe(expected);
  } catch (error) {
    (error as Error).message = `${remedy}\n\n${(error as Error).message}`;
    throw error;
  }
}

describe('OpenAPI document', () => {
  let api: TestApi;
  let served: string;

  beforeAll(async () => {
    // Explicitly on: the check must not depend on the default of DOCS_ENABLED.
    api = await TestApi.start({ DOCS_ENABLED: 'true' });
    const response = await api.request<OpenAPIObject>('GET', '/docs/openapi.json');
    served = serialiseOpenApiDocument(response.body);
  });

  afterAll(async () => {
    await api.close();
  });

  it('is the committed packages/client/openapi.json, which the client is generated from', () => {
    expectSameDocument(
      served,
      readFileSync(COMMITTED, 'utf8'),
      'packages/client/openapi.json is not the document the API serves: run ' +
        '`pnpm openapi:generate` and commit packages/client/openapi.json.',
    );
  });

  it('is what `pnpm openapi:generate` builds without PostgreSQL or Redis', async () => {
    expectSameDocument(
      serialiseOpenApiDocument(await buildOpenApiDocument()),
      served,
      'The generator (apps/api/src/openapi/generate-openapi.ts) and /docs disagree.',
    );
  });
});

describe('Response serialisation', () => {
  let testEnv: TestEnv;
  let app: NestFastifyApplication;
  const routes: RouteOptions[] = [];

  beforeAll(async () => {
    testEnv = await createTestEnv();
    app = await createApp(loadEnv(apiEnvSchema, testEnv.env));
    // Routes are added to Fastify when Nest initialises, after this hook is in place.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => void routes.push(route));
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await testEnv.cleanup();
  });

  it('gives Fastify a response schema for every documented response with a body', async () => {
    const document = await buildOpenApiDocument();
    const documented: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const responses = (operation as { responses: Record<string, { content?: unknown }> })
          .responses;
        for (const [status, response] of Object.entries(responses)) {
          if (response.content) documented.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }

    // Fastify adds a HEAD route for every GET by itself; the document describes the GET.
    const serialised = routes
      .filter((route) => route.method !== 'HEAD')
      .flatMap((route) =>
        Object.keys((route.schema?.response as object | undefined) ?? {}).map(
          (status) => `${String(route.method)} ${route.url.replace(/:(\w+)/g, '{$1}')} ${status}`,
        ),
      );

    expect(serialised.sort()).toEqual(documented.sort());
  });
});
