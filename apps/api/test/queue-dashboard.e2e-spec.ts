import { TestApi } from './support/test-api';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('queue dashboard', () => {
  it('does not exist when no credentials are configured', async () => {
    const api = await TestApi.start();
    try {
      const response = await api.request('GET', '/admin/queues');

      expect(response.status).toBe(404);
    } finally {
      await api.close();
    }
  });

  describe('with credentials configured', () => {
    let api: TestApi;

    beforeAll(async () => {
      api = await TestApi.start({
        BULL_BOARD_USER: 'ops',
        BULL_BOARD_PASSWORD: 'a long dashboard secret',
      });
    });

    afterAll(async () => {
      await api.close();
    });

    it.each([
      ['no credentials', {}],
      ['a wrong password', { authorization: basic('ops', 'wrong password!') }],
      ['a wrong user', { authorization: basic('admin', 'a long dashboard secret') }],
    ])('answers 401 with a Basic challenge for %s', async (_case, headers) => {
      const response = await api.request('GET', '/admin/queues', { headers });

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('serves the dashboard and its API, listing the items queue, with the right credentials', async () => {
      const authorization = basic('ops', 'a long dashboard secret');

      const page = await api.request('GET', '/admin/queues', { headers: { authorization } });
      const queues = await api.request('GET', '/admin/queues/api/queues', {
        headers: { authorization },
      });

      expect(page.status).toBe(200);
      expect(page.body).toContain('<html');
      expect(queues.status).toBe(200);
      expect(queues.body.queues.map((queue: { name: string }) => queue.name)).toContain('items');
    });
  });
});
