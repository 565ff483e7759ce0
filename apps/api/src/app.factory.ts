import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { ApiEnv } from '@starter/config';
import { createLogger, PinoNestLogger, type Logger } from '@starter/logging';
import type { ItemsQueue } from '@starter/queue';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerQueueDashboard } from './admin/queue-dashboard';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { toErrorResponse } from './common/error-body';
import { acceptJsonBodiesOnly } from './common/json-body';
import { securityHeaders } from './common/security-headers';
import { createValidationPipe } from './common/validation';
import { HttpMetrics } from './metrics/http-metrics';
import { createOpenApiDocument } from './openapi/openapi-document';
import { ITEMS_QUEUE } from './queue/queue.module';

const BODY_LIMIT_BYTES = 1024 * 1024;
const REQUEST_ID = /^[\w-]{1,128}$/;

/** Builds the application exactly as production runs it; tests call this too. */
export async function createApp(
  env: ApiEnv,
  logger: Logger = createLogger('api', env.LOG_LEVEL),
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // The client address is the one the outermost trusted proxy saw: trusting every
    // X-Forwarded-For entry would let a client choose its own (and escape the rate limits).
    // Hop 0 is the peer; Fastify's numeric trustProxy trusts no hop at all, hence the function.
    trustProxy: (_address: string, hop: number) => hop < env.TRUST_PROXY_HOPS,
    // The router refuses a malformed URL (bad %-encoding) or an over-long parameter before Nest
    // sees the request; the answer still takes the one error shape.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const { body, headers } = toErrorResponse(error, String(request.id));
      void reply.status(body.status).headers(headers).send(body);
    },
    // One line per request, written by the onResponse hook below together with the metrics.
    logController: new LogController({ disableRequestLogging: true }),
    // genReqId reads X-Request-Id itself, so a malformed one is replaced rather than trusted.
    requestIdHeader: false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(env), adapter, {
    logger: new PinoNestLogger(logger),
    // Nest's parsers would accept url-encoded bodies and decode invalid UTF-8 silently.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  acceptJsonBodiesOnly(fastify);
  const metrics = app.get(HttpMetrics);

  // Once shutdown starts, answers in flight close their keep-alive connection, so the server can
  // finish closing instead of waiting for clients to hang up.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const headers = securityHeaders({
    // The docs UI loads its own inline scripts and styles.
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'", "'unsafe-inline'"],
        'style-src': ["'self'", "'unsafe-inline'"],
      },
    },
  });
  // Callback hooks rather than async ones: these run on every request, and an async hook costs a
  // promise and a microtask turn each time.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(headers).header('x-request-id', request.id);
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        route,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
    done();
  });

  if (env.CORS_ORIGINS.length > 0) {
    await app.register(cors, { origin: env.CORS_ORIGINS, credentials: true });
  }
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(createValidationPipe());
  // On SIGTERM/SIGINT: stop accepting, finish requests in flight, close pools, exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });

  if (env.BULL_BOARD_USER && env.BULL_BOARD_PASSWORD) {
    await registerQueueDashboard(app, [app.get<ItemsQueue>(ITEMS_QUEUE)], {
      user: env.BULL_BOARD_USER,
      password: env.BULL_BOARD_PASSWORD,
    });
  }
  if (env.DOCS_ENABLED) {
    SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), {
      jsonDocumentUrl: 'docs/openapi.json',
    });
  }
  return app;
}
