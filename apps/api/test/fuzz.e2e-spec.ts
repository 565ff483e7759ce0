import fc from 'fast-check';
import { errorBodySchema } from '../src/common/api-error';
import { TestApi, type ApiResponse } from './support/test-api';

/** Every route the API serves, with `:param` where a path parameter goes. */
const ROUTES = [
  ['GET', '/health/live'],
  ['GET', '/health/ready'],
  ['POST', '/auth/register'],
  ['POST', '/auth/login'],
  ['GET', '/users/me'],
  ['POST', '/items'],
  ['GET', '/items'],
  ['GET', '/items/:param'],
  ['DELETE', '/items/:param'],
  ['GET', '/jobs/:param'],
  ['GET', '/metrics'],
  ['GET', '/docs/openapi.json'],
] as const;

/** Any UTF-16 string: controls, NUL, lone surrogates, astral characters. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    maxLength: 40,
  }),
  fc.constantFrom('\u0000', '__proto__', 'constructor', '', ' ', '%', '../..', '\ud800'),
);
const bytes = fc.uint8Array({ maxLength: 64 });
/** What a header may carry on the wire: visible ASCII, spaces and Latin-1. */
const headerValue = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((code) => code !== 0x7f)
    .map((code) => String.fromCharCode(code)),
  maxLength: 60,
});
const percentEncoded = (value: string | Uint8Array) =>
  [...(typeof value === 'string' ? Buffer.from(value, 'utf8') : value)]
    .map((byte) => `%${byte.toString(16).padStart(2, '0')}`)
    .join('');

const jsonShape = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.record(
    {
      email: fc.oneof(anyString, fc.emailAddress(), fc.jsonValue({ maxDepth: 1 })),
      password: fc.oneof(anyString, fc.jsonValue({ maxDepth: 1 })),
      title: fc.oneof(anyString, fc.jsonValue({ maxDepth: 1 })),
      description: fc.oneof(anyString, fc.constant(null), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: [] },
  ),
);

function expectNoServerErrorAndTheErrorShape(response: ApiResponse): void {
  expect(response.status).toBeLessThan(500);
  if (response.status < 400) return;
  expect(response.headers.get('content-type')).toContain('application/json');
  // The shared schema every route documents its errors with: strict, so no other keys.
  const parsed = errorBodySchema.safeParse(response.body);
  if (!parsed.success) {
    throw new Error(
      `not the error shape: ${JSON.stringify(response.body)}\n${parsed.error.message}`,
    );
  }
  expect(parsed.data).toMatchObject({ status: response.status, request_id: expect.any(String) });
}

describe('any input, on every route', () => {
  let api: TestApi;
  let token: string;
  let itemId: string;
  let jobId: string;

  beforeAll(async () => {
    // Limits high enough that requests get past them to validation and the handlers.
    api = await TestApi.start({
      LOG_LEVEL: 'silent',
      LOGIN_RATE_LIMIT_PER_ACCOUNT: '100000',
      LOGIN_RATE_LIMIT_PER_ADDRESS: '100000',
      REGISTER_RATE_LIMIT_PER_ADDRESS: '100000',
      WRITE_RATE_LIMIT_PER_USER: '100000',
    });
    const user = await api.createUser();
    token = user.token;
    const item = await api.request('POST', '/items', { token, body: { title: 'fuzzed' } });
    itemId = item.body.id;
    jobId = item.body.job_id;
  });

  afterAll(async () => {
    await api.close();
  });

  const route = fc.constantFrom(...ROUTES);
  const pathParam = fc.oneof(
    anyString.map(percentEncoded),
    bytes.map(percentEncoded),
    fc
      .constantFrom(
        () => itemId,
        () => jobId,
        () => `process-item-${itemId}`,
      )
      .map((f) => f()),
    fc.uuid().map(String),
  );
  const query = fc
    .array(fc.tuple(anyString, anyString), { maxLength: 3 })
    .map((pairs) =>
      pairs.length
        ? `?${pairs.map(([k, v]) => `${percentEncoded(k)}=${percentEncoded(v)}`).join('&')}`
        : '',
    );
  const authorization = fc.oneof(
    fc.constant(undefined),
    fc.constant('valid'),
    headerValue.map((junk) => `valid${junk}`),
    headerValue.map((junk) => `${junk}valid`),
    headerValue,
  );
  const body = fc.oneof(
    fc.constant(undefined),
    jsonShape.map((shape) => ({
      contentType: 'application/json',
      raw: JSON.stringify(shape) ?? '',
    })),
    bytes.map((raw) => ({ contentType: 'application/json', raw })),
    fc.record({ contentType: headerValue, raw: fc.oneof(anyString, bytes) }),
  );
  const extraHeaders = fc.record(
    { 'x-request-id': headerValue, 'x-forwarded-for': headerValue, accept: headerValue },
    { requiredKeys: [] },
  );

  it('never answers 5xx, and every error has the one shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        route,
        pathParam,
        query,
        authorization,
        body,
        extraHeaders,
        async ([method, template], param, search, auth, payload, extra) => {
          const headers: Record<string, string> = { ...extra };
          if (auth !== undefined) headers.authorization = auth.replace('valid', `Bearer ${token}`);
          if (payload) headers['content-type'] = payload.contentType;
          const response = await api.request(
            method,
            `${template.replace(':param', param)}${search}`,
            {
              headers,
              ...(payload && method !== 'GET' ? { rawBody: payload.raw } : {}),
            },
          );
          expectNoServerErrorAndTheErrorShape(response);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('answers every JSON body shape on every body-taking route with a 2xx or the error shape', async () => {
    const bodyRoute = fc.constantFrom(...ROUTES.filter(([method]) => method === 'POST'));
    await fc.assert(
      fc.asyncProperty(bodyRoute, jsonShape, async ([method, path], shape) => {
        const response = await api.request(method, path, {
          token,
          rawBody: JSON.stringify(shape) ?? 'null',
          headers: { 'content-type': 'application/json' },
        });
        expectNoServerErrorAndTheErrorShape(response);
      }),
      { numRuns: 300 },
    );
  });
});
