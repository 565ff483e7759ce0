import { TestApi } from './support/test-api';

const fieldsOf = (body: { details?: { field: string }[] }) =>
  (body.details ?? []).map((detail) => detail.field);

describe('hostile input', () => {
  let api: TestApi;
  let user: Awaited<ReturnType<TestApi['createUser']>>;

  beforeAll(async () => {
    api = await TestApi.start();
    user = await api.createUser();
  });

  afterAll(async () => {
    await api.close();
  });

  describe('characters PostgreSQL cannot store, and control characters', () => {
    it.each([
      ['a NUL in a title', { title: 'a\u0000b' }, ['title']],
      ['a NUL in a description', { title: 'ok', description: 'a\u0000b' }, ['description']],
      ['a bell in a title', { title: 'ring\u0007' }, ['title']],
      ['a line break in a title', { title: 'two\nlines' }, ['title']],
      [
        'an escape in a description',
        { title: 'ok', description: '\u001b[31mred' },
        ['description'],
      ],
      ['a C1 control in a title', { title: 'a\u0085b' }, ['title']],
      ['a lone surrogate in a title', { title: 'half \ud800 a pair' }, ['title']],
    ])('answers 422 for %s', async (_case, body, fields) => {
      const response = await api.request('POST', '/items', { token: user.token, body });

      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ status: 422, error: 'validation_failed' });
      expect(fieldsOf(response.body)).toEqual(fields);
    });

    it('keeps tabs and line breaks in a description, and any printable Unicode', async () => {
      const description = 'line one\r\nline two\ttabbed, émoji 🎉, 漢字';

      const response = await api.request('POST', '/items', {
        token: user.token,
        body: { title: 'Ünïcode title 🎉', description },
      });

      expect(response.status).toBe(201);
      expect(response.body.description).toBe(description);
    });

    it.each([
      ['email', { email: 'nul\u0000@example.com', password: 'long enough' }],
      ['password', { email: 'control@example.com', password: 'long\u0000enough' }],
    ])('answers 422 for a NUL in the %s at registration', async (field, body) => {
      const response = await api.request('POST', '/auth/register', { body });

      expect(response.status).toBe(422);
      expect(fieldsOf(response.body)).toEqual([field]);
    });

    it.each([
      ['GET', '/jobs/%00'],
      ['GET', '/jobs/process-item-%00'],
      ['GET', '/items/%00'],
      ['DELETE', '/items/%00'],
      ['GET', '/items/a%00b'],
    ])('answers 404 for %s %s, as for any id that cannot exist', async (method, path) => {
      const response = await api.request(method, path, { token: user.token });

      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ status: 404, error: 'not_found' });
    });

    it('answers 422 for a NUL in a query parameter', async () => {
      const response = await api.request('GET', '/items?limit=%00', { token: user.token });

      expect(response.status).toBe(422);
      expect(fieldsOf(response.body)).toEqual(['limit']);
    });
  });

  describe('bodies', () => {
    it('answers 400 for a body that is not valid UTF-8', async () => {
      const json = Buffer.from('{"title": "caf\u00e9"}', 'latin1');

      const response = await api.request('POST', '/items', {
        token: user.token,
        rawBody: json,
        headers: { 'content-type': 'application/json' },
      });

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, error: 'bad_request' });
      expect(response.body.message).toMatch(/UTF-8/);
    });

    it.each([
      ['url-encoded', 'application/x-www-form-urlencoded', 'title=form'],
      ['plain text', 'text/plain', '{"title": "text"}'],
      ['multipart', 'multipart/form-data; boundary=x', '--x\r\n\r\ntitle\r\n--x--'],
    ])('answers 415 for a %s body and creates nothing', async (_case, contentType, rawBody) => {
      const response = await api.request('POST', '/items', {
        token: user.token,
        rawBody,
        headers: { 'content-type': contentType },
      });
      const listed = await api.request('GET', '/items?limit=100', { token: user.token });

      expect(response.status).toBe(415);
      expect(response.body).toMatchObject({ status: 415, error: 'unsupported_media_type' });
      expect(listed.body.items.map((item: { title: string }) => item.title)).not.toContain('form');
    });

    it('accepts JSON with a charset parameter', async () => {
      const response = await api.request('POST', '/items', {
        token: user.token,
        rawBody: '{"title": "charset"}',
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });

      expect(response.status).toBe(201);
    });

    it.each([
      ['__proto__', '{"email": "a@example.com", "password": "long enough", "__proto__": {}}'],
      [
        'constructor.prototype',
        '{"email": "a@example.com", "password": "long enough", "constructor": {"prototype": {}}}',
      ],
      ['nested __proto__', '{"email": {"__proto__": {"admin": true}}, "password": "long enough"}'],
    ])('answers 422, like any unknown property, for a %s key', async (_case, rawBody) => {
      const response = await api.request('POST', '/auth/register', {
        rawBody,
        headers: { 'content-type': 'application/json' },
      });

      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ status: 422, error: 'validation_failed' });
    });
  });

  describe('the Authorization header', () => {
    it.each([
      ['trailing junk', (token: string) => `Bearer ${token} junk`],
      ['two spaces', (token: string) => `Bearer  ${token}`],
      ['no scheme', (token: string) => token],
      ['two tokens', (token: string) => `Bearer ${token},Bearer ${token}`],
    ])('answers 401 for a valid token with %s', async (_case, header) => {
      const response = await api.request('GET', '/users/me', {
        headers: { authorization: header(user.token) },
      });

      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ status: 401, error: 'unauthorized' });
    });

    it('accepts exactly "Bearer <token>" (control for the cases above)', async () => {
      const response = await api.request('GET', '/users/me', {
        headers: { authorization: `Bearer ${user.token}` },
      });

      expect(response.status).toBe(200);
    });
  });

  describe('email lengths (RFC 5321)', () => {
    const register = (email: string) =>
      api.request('POST', '/auth/register', { body: { email, password: 'long enough' } });
    const domainOf = (length: number) => `${'d'.repeat(length - 4)}.com`;

    it('accepts a 64-character local part and a 254-character address', async () => {
      expect((await register(`${'a'.repeat(64)}@example.com`)).status).toBe(201);
      const local = 'b'.repeat(64);
      const longest = `${local}@${'e'.repeat(63)}.${'f'.repeat(63)}.${domainOf(254 - 64 - 1 - 128)}`;
      expect(longest).toHaveLength(254);
      expect((await register(longest)).status).toBe(201);
    });

    it.each([
      ['a 65-character local part', `${'a'.repeat(65)}@example.com`],
      ['a 300-character local part', `${'a'.repeat(300)}@example.com`],
      [
        'a 255-character address',
        `c@${'e'.repeat(63)}.${'f'.repeat(63)}.${'g'.repeat(63)}.${domainOf(61)}`,
      ],
    ])('answers 422 for %s', async (_case, email) => {
      const response = await register(email);

      expect(response.status).toBe(422);
      expect(fieldsOf(response.body)).toContain('email');
    });
  });
});
