import { createHmac, randomInt } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiClient, type ApiClient } from '@starter/client';
import { apiEnvSchema, loadEnv, type ApiEnv } from '@starter/config';
import { createItemsQueue, createRedisConnection, type ItemsQueue } from '@starter/queue';
import { createTestEnv, type TestEnv } from '@starter/testing';
import type { Redis } from 'ioredis';
import { createApp } from '../../src/app.factory';
import { createOpenApiDocument } from '../../src/openapi/openapi-document';
import { ResponseContract } from './response-contract';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: string | Uint8Array;
  token?: string;
  headers?: Record<string, string>;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('application/json');
  return isJson && text ? JSON.parse(text) : text;
}

/**
 * The real application on a real port, with its own database and Redis prefix. Every response it
 * receives, through `request` or `client`, is checked against the app's OpenAPI document.
 */
export class TestApi {
  private redis?: Redis;
  private itemsQueue?: ItemsQueue;

  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly env: ApiEnv,
    readonly testEnv: TestEnv,
    private readonly contract: ResponseContract,
  ) {}

  static async start(overrides: Record<string, string> = {}): Promise<TestApi> {
    const testEnv = await createTestEnv(overrides);
    const env = loadEnv(apiEnvSchema, testEnv.env);
    const app = await createApp(env);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const contract = new ResponseContract(createOpenApiDocument(app));
    return new TestApi(app, await app.getUrl(), env, testEnv, contract);
  }

  /** The typed client from @starter/client, as a frontend uses it. */
  client(token?: string): ApiClient {
    return createApiClient({
      baseUrl: this.baseUrl,
      token,
      fetch: (request) => this.fetch(request),
    });
  }

  async request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await this.fetch(
      new Request(`${this.baseUrl}${path}`, { method, headers, body }),
    );
    return {
      status: response.status,
      headers: response.headers,
      body: (await readBody(response)) as T,
    };
  }

  private async fetch(request: Request): Promise<Response> {
    const response = await fetch(request);
    const body = await readBody(response.clone());
    this.contract.check(request.method, request.url, response.status, body);
    return response;
  }

  /**
   * Registers and logs in a fresh user; returns its id, email and token. Each user comes from an
   * address of its own (as the proxy reports it), so helpers stay clear of the per-address limits.
   */
  async createUser(
    email = `user-${Math.random().toString(36).slice(2)}@example.com`,
    password = 'correct horse',
  ) {
    const client = this.client();
    const headers = {
      'x-forwarded-for': `10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`,
    };
    const body = { email, password };
    const registered = await client.POST('/auth/register', { body, headers });
    if (!registered.data) throw new Error(`register failed: ${JSON.stringify(registered.error)}`);
    const login = await client.POST('/auth/login', { body, headers });
    if (!login.data) throw new Error(`login failed: ${JSON.stringify(login.error)}`);
    return { id: registered.data.id, email, password, token: login.data.access_token };
  }

  /** The same BullMQ queue the API produces into, read directly from Redis. */
  queue(): ItemsQueue {
    this.redis ??= createRedisConnection(this.env.REDIS_URL, 'worker');
    this.itemsQueue ??= createItemsQueue(this.redis, this.env.REDIS_PREFIX);
    return this.itemsQueue;
  }

  /**
   * An HS256 token signed with the API's secret, for expiry and tampering cases. It names the API
   * as issuer and audience unless the payload says otherwise (or sets them to undefined).
   */
  signToken(payload: Record<string, unknown>, secret = this.env.JWT_SECRET): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { iss: this.env.JWT_ISSUER, aud: this.env.JWT_AUDIENCE, ...payload };
    const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  }

  async close(): Promise<void> {
    await this.itemsQueue?.close();
    this.redis?.disconnect();
    await this.app.close();
    await this.testEnv.cleanup();
  }
}
