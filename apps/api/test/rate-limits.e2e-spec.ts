import { TestApi } from './support/test-api';

const LIMIT = 3;

describe('abuse limits', () => {
  let api: TestApi;
  let addressCounter = 0;
  /** A client address of its own, as the proxy would report it (TRUST_PROXY_HOPS=1). */
  const freshAddress = () => {
    addressCounter += 1;
    return `198.51.100.${addressCounter}`;
  };

  beforeAll(async () => {
    api = await TestApi.start({
      TRUST_PROXY_HOPS: '1',
      LOGIN_RATE_LIMIT_PER_ACCOUNT: String(LIMIT),
      LOGIN_RATE_LIMIT_PER_ADDRESS: String(LIMIT * 2),
      REGISTER_RATE_LIMIT_PER_ADDRESS: String(LIMIT),
      WRITE_RATE_LIMIT_PER_USER: String(LIMIT),
    });
  });

  afterAll(async () => {
    await api.close();
  });

  const login = (email: string, password: string, forwardedFor: string) =>
    api.request('POST', '/auth/login', {
      body: { email, password },
      headers: { 'x-forwarded-for': forwardedFor },
    });
  const register = (email: string, forwardedFor: string) =>
    api.request('POST', '/auth/register', {
      body: { email, password: 'long enough' },
      headers: { 'x-forwarded-for': forwardedFor },
    });
  const expectTooMany = (response: Awaited<ReturnType<TestApi['request']>>) => {
    expect(response.status).toBe(429);
    expect(response.body).toMatchObject({ status: 429, error: 'too_many_requests' });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  };

  describe('failed logins', () => {
    it('lets no more parallel attempts through than the limit', async () => {
      const address = freshAddress();
      const { email } = await api.createUser();

      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, attempt) => login(email, `guess ${attempt}`, address)),
      );

      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([...Array(LIMIT).fill(401), ...Array(10 - LIMIT).fill(429)]);
    });

    it('limits an account across client addresses', async () => {
      const user = await api.createUser();
      for (let attempt = 0; attempt < LIMIT; attempt += 1) {
        expect((await login(user.email, 'wrong', freshAddress())).status).toBe(401);
      }

      expectTooMany(await login(user.email, user.password, freshAddress()));
    });

    it('limits a client address across accounts', async () => {
      const address = freshAddress();
      for (let attempt = 0; attempt < LIMIT * 2; attempt += 1) {
        const email = `nobody-${attempt}@example.com`;
        expect((await login(email, 'wrong', address)).status).toBe(401);
      }

      expectTooMany(await login('someone-else@example.com', 'wrong', address));
    });

    it('counts the address the proxy saw, whatever the client wrote before it', async () => {
      const address = freshAddress();
      for (let attempt = 0; attempt < LIMIT * 2; attempt += 1) {
        const spoofed = `203.0.113.${attempt}, ${address}`;
        expect((await login(`spoof-${attempt}@example.com`, 'wrong', spoofed)).status).toBe(401);
      }

      expectTooMany(await login('spoof-last@example.com', 'wrong', `203.0.113.99, ${address}`));
    });

    it('does not count successful logins', async () => {
      const user = await api.createUser();
      const address = freshAddress();
      for (let attempt = 0; attempt < LIMIT * 3; attempt += 1) {
        expect((await login(user.email, user.password, address)).status).toBe(200);
      }
    });
  });

  it('limits registrations per client address', async () => {
    const address = freshAddress();
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      expect((await register(`reg-${attempt}-${address}@example.com`, address)).status).toBe(201);
    }

    expectTooMany(await register(`reg-last-${address}@example.com`, address));
    expect((await register(`reg-other@example.com`, freshAddress())).status).toBe(201);
  });

  it('limits writes per user, and leaves reads alone', async () => {
    const user = await api.createUser();
    const other = await api.createUser();
    const create = (token: string) =>
      api.request('POST', '/items', { token, body: { title: 'write' } });
    const created = [];
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      const response = await create(user.token);
      expect(response.status).toBe(201);
      created.push(response.body.id as string);
    }

    expectTooMany(await create(user.token));
    expectTooMany(await api.request('DELETE', `/items/${created[0]}`, { token: user.token }));
    expect((await api.request('GET', `/items/${created[0]}`, { token: user.token })).status).toBe(
      200,
    );
    expect((await api.request('GET', '/items', { token: user.token })).status).toBe(200);
    expect((await create(other.token)).status).toBe(201);
  });
});

describe('client address without a proxy (TRUST_PROXY_HOPS=0)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ TRUST_PROXY_HOPS: '0', LOGIN_RATE_LIMIT_PER_ADDRESS: '2' });
  });

  afterAll(async () => {
    await api.close();
  });

  it('ignores X-Forwarded-For, so rotating it does not escape the limit', async () => {
    const attempt = (n: number) =>
      api.request('POST', '/auth/login', {
        body: { email: `direct-${n}@example.com`, password: 'wrong' },
        headers: { 'x-forwarded-for': `192.0.2.${n}` },
      });

    expect((await attempt(1)).status).toBe(401);
    expect((await attempt(2)).status).toBe(401);
    expect((await attempt(3)).status).toBe(429);
  });
});
