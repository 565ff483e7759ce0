import { DataSource } from 'typeorm';
import { TestApi } from './support/test-api';

describe('HTTP conventions', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ CORS_ORIGINS: 'https://app.example.com' });
  });

  afterAll(async () => {
    await api.close();
  });

  it('answers 400 in the error shape for malformed JSON', async () => {
    const response = await api.request('POST', '/auth/register', {
      rawBody: '{"email": ',
      headers: { 'content-type': 'application/json' },
    });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      status: 400,
      error: 'bad_request',
      message: expect.any(String),
      request_id: expect.any(String),
    });
  });

  it('answers 413 in the error shape for a body over 1 MiB', async () => {
    const response = await api.request('POST', '/auth/register', {
      body: { email: 'big@example.com', password: 'x'.repeat(1024 * 1024) },
    });

    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ status: 413, error: 'payload_too_large' });
  });

  it('answers 415 in the error shape for a body that is not JSON', async () => {
    const response = await api.request('POST', '/auth/register', {
      rawBody: '<email>a@example.com</email>',
      headers: { 'content-type': 'application/xml' },
    });

    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ status: 415, error: 'unsupported_media_type' });
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const response = await api.request('GET', '/no/such/route');

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, error: 'not_found' });
  });

  it('echoes a well-formed X-Request-Id and invents one otherwise', async () => {
    const given = await api.request('GET', '/health/live', {
      headers: { 'x-request-id': 'trace-123' },
    });
    const invented = await api.request('GET', '/health/live', {
      headers: { 'x-request-id': 'bad id!' },
    });

    expect(given.headers.get('x-request-id')).toBe('trace-123');
    expect(invented.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id in error bodies', async () => {
    const response = await api.request('GET', '/users/me', {
      headers: { 'x-request-id': 'req-42' },
    });

    expect(response.body.request_id).toBe('req-42');
  });

  it.each([
    ['a success', '/health/live'],
    ['an error', '/no/such/route'],
  ])('sends security headers on %s', async (_case, path) => {
    const response = await api.request('GET', path);

    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toContain('max-age');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('allows only the configured CORS origins', async () => {
    const preflight = (origin: string) =>
      api.request('OPTIONS', '/items', {
        headers: { origin, 'access-control-request-method': 'POST' },
      });

    const allowed = await preflight('https://app.example.com');
    const refused = await preflight('https://evil.example.com');

    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes Prometheus metrics with request counts and latency by route', async () => {
    await api.request('GET', '/health/live');

    const response = await api.request('GET', '/metrics');

    expect(response.status).toBe(200);
    expect(response.body).toMatch(
      /http_requests_total\{method="GET",route="\/health\/live",status="200"\} \d+/,
    );
    expect(response.body).toMatch(/http_request_duration_seconds_bucket\{.*route="\/health\/live"/);
  });

  it('serves the OpenAPI document and its UI at /docs', async () => {
    const ui = await api.request('GET', '/docs');
    const document = await api.request('GET', '/docs/openapi.json');

    expect(ui.status).toBe(200);
    expect(ui.body).toContain('swagger-ui');
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/auth/register',
        '/auth/login',
        '/users/me',
        '/items',
        '/items/{id}',
        '/jobs/{jobId}',
      ]),
    );
  });
});

describe('production defaults', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-forty-characters!',
      DATABASE_STATEMENT_TIMEOUT_MS: '4321',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '5432',
    });
  });

  afterAll(async () => {
    await api.close();
  });

  it('serves no API docs unless DOCS_ENABLED says so', async () => {
    expect((await api.request('GET', '/docs')).status).toBe(404);
    expect((await api.request('GET', '/docs/openapi.json')).status).toBe(404);
  });

  it('runs its queries under the configured statement and idle-in-transaction timeouts', async () => {
    const dataSource = api.app.get(DataSource);

    const [statement] = await dataSource.query('SHOW statement_timeout');
    const [idle] = await dataSource.query('SHOW idle_in_transaction_session_timeout');

    expect(statement.statement_timeout).toBe('4321ms');
    expect(idle.idle_in_transaction_session_timeout).toBe('5432ms');
  });
});
