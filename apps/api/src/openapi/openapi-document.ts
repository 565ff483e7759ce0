import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { apiEnvSchema, loadEnv } from '@starter/config';
import { AppModule } from '../app.module';

/** The OpenAPI document of the application's routes, as /docs serves it and clients are built from. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Starter API')
    .setDescription(
      'JSON in and out, snake_case fields. Every error answers with the `Error` shape. ' +
        'Protected routes take `Authorization: Bearer <access_token>` from `POST /auth/login`.',
    )
    .setVersion('1.0')
    // Relative: the API's own origin, wherever it is deployed.
    .addServer('/')
    .addBearerAuth()
    .addTag('health', 'Liveness and readiness probes')
    .addTag('auth', 'Accounts and bearer tokens')
    .addTag('users', 'The authenticated user')
    .addTag('items', 'The caller’s items; each is processed by a background job')
    .addTag('jobs', 'Processing jobs of the caller’s items')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * The same document without PostgreSQL, Redis or a port, whatever DOCS_ENABLED says: in preview
 * mode Nest reads the modules' metadata but instantiates no provider, so nothing connects and the
 * placeholder environment below is never used.
 */
export async function buildOpenApiDocument(): Promise<OpenAPIObject> {
  const env = loadEnv(apiEnvSchema, {
    NODE_ENV: 'development',
    DATABASE_URL: 'postgres://unused',
    REDIS_URL: 'redis://unused',
  });
  const app = await NestFactory.create(AppModule.forRoot(env), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  try {
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The document as it is committed: stable key order from the code, two-space indent, final newline. */
export function serialiseOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
