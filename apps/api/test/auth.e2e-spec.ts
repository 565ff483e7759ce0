import { TestApi } from './support/test-api';

const previousSecret = 'the-secret-before-the-rotation-the-secret';

describe('auth and users', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({
      LOGIN_RATE_LIMIT_PER_ACCOUNT: '3',
      JWT_PREVIOUS_SECRET: previousSecret,
    });
  });

  afterAll(async () => {
    await api.close();
  });

  const register = (email: string, password: string) =>
    api.client().POST('/auth/register', { body: { email, password } });
  const login = (email: string, password: string) =>
    api.client().POST('/auth/login', { body: { email, password } });

  describe('POST /auth/register', () => {
    it('creates a user and answers 201 with id and email only', async () => {
      const { data, response } = await register('new.user@example.com', 'long enough');

      expect(response.status).toBe(201);
      expect(data).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: 'new.user@example.com',
      });
    });

    it('answers 409 when the email is taken, whatever its case', async () => {
      await register('taken@example.com', 'long enough');

      const { error, response } = await register('Taken@Example.com', 'another one');

      expect(response.status).toBe(409);
      expect(error).toMatchObject({ status: 409, error: 'email_taken' });
    });

    it('answers 422 naming every invalid field and every unknown property', async () => {
      const response = await api.request('POST', '/auth/register', {
        body: { email: 'not-an-email', password: 'short', admin: true },
      });

      expect(response.status).toBe(422);
      expect(response.body.error).toBe('validation_failed');
      expect(response.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual(
        ['admin', 'email', 'password'],
      );
    });

    it('answers 422 when fields are missing', async () => {
      const response = await api.request('POST', '/auth/register', { body: {} });

      expect(response.status).toBe(422);
      expect(response.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual(
        ['email', 'password'],
      );
    });
  });

  describe('POST /auth/login', () => {
    it('returns a bearer JWT whose subject is the user id', async () => {
      const registered = await register('login@example.com', 'my password');

      const { data, response } = await login('LOGIN@example.com', 'my password');

      expect(response.status).toBe(200);
      expect(data).toEqual({ access_token: expect.any(String), token_type: 'bearer' });
      const payload = JSON.parse(
        Buffer.from(data!.access_token.split('.')[1]!, 'base64url').toString(),
      );
      expect(payload.sub).toBe(registered.data!.id);
      expect(payload.exp - payload.iat).toBe(api.env.JWT_EXPIRES_IN_SECONDS);
      expect(payload).toMatchObject({ iss: api.env.JWT_ISSUER, aud: api.env.JWT_AUDIENCE });
    });

    it('answers 401 on a wrong password and on an unknown email, with the same message', async () => {
      await register('victim@example.com', 'right password');

      const wrongPassword = await login('victim@example.com', 'wrong password');
      const unknownEmail = await login('nobody@example.com', 'wrong password');

      expect(wrongPassword.response.status).toBe(401);
      expect(unknownEmail.response.status).toBe(401);
      expect(wrongPassword.error!.message).toBe(unknownEmail.error!.message);
    });

    it('rate limits repeated failed logins with 429 and Retry-After, even for the right password', async () => {
      const email = 'brute@example.com';
      await register(email, 'the real one');
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const failed = await login(email, `guess ${attempt}`);
        expect(failed.response.status).toBe(401);
      }

      const blocked = await login(email, 'the real one');

      expect(blocked.response.status).toBe(429);
      expect(blocked.error).toMatchObject({ status: 429, error: 'too_many_requests' });
      expect(Number(blocked.response.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('does not count successful logins towards the limit', async () => {
      const user = await api.createUser();
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const { response } = await login(user.email, user.password);
        expect(response.status).toBe(200);
      }
    });
  });

  describe('GET /users/me', () => {
    it('returns the caller', async () => {
      const user = await api.createUser();

      const { data, response } = await api.client(user.token).GET('/users/me');

      expect(response.status).toBe(200);
      expect(data).toEqual({ id: user.id, email: user.email });
    });

    it.each([
      ['no token', {}],
      ['a malformed token', { authorization: 'Bearer not-a-jwt' }],
      ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ])('answers 401 with %s', async (_case, headers) => {
      const response = await api.request('GET', '/users/me', { headers });

      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ status: 401, error: 'unauthorized' });
    });

    it('answers 401 for an expired token', async () => {
      const user = await api.createUser();
      const past = Math.floor(Date.now() / 1000) - 60;

      const response = await api.request('GET', '/users/me', {
        token: api.signToken({ sub: user.id, iat: past - 3600, exp: past }),
      });

      expect(response.status).toBe(401);
    });

    it('answers 401 for a token signed with another secret', async () => {
      const user = await api.createUser();

      const response = await api.request('GET', '/users/me', {
        token: api.signToken({ sub: user.id }, 'some-other-secret-some-other-secret'),
      });

      expect(response.status).toBe(401);
    });

    it.each([
      ['no audience', { aud: undefined }],
      ['another audience', { aud: 'another-api' }],
      ['no issuer', { iss: undefined }],
      ['another issuer', { iss: 'someone-else' }],
    ])('answers 401 for a token with %s', async (_case, claims) => {
      const user = await api.createUser();

      const response = await api.request('GET', '/users/me', {
        token: api.signToken({ sub: user.id, exp: Math.floor(Date.now() / 1000) + 60, ...claims }),
      });

      expect(response.status).toBe(401);
    });

    it('accepts a token signed with the previous secret, so a rotation logs nobody out', async () => {
      const user = await api.createUser();
      const exp = Math.floor(Date.now() / 1000) + 60;

      const response = await api.request('GET', '/users/me', {
        token: api.signToken({ sub: user.id, exp }, previousSecret),
      });

      expect(response.status).toBe(200);
      expect(response.body.id).toBe(user.id);
    });

    it('accepts a token it signed itself (control for the cases above)', async () => {
      const user = await api.createUser();

      const response = await api.request('GET', '/users/me', {
        token: api.signToken({ sub: user.id, exp: Math.floor(Date.now() / 1000) + 60 }),
      });

      expect(response.status).toBe(200);
    });
  });
});
