import { PROCESS_ITEM_JOB } from '@starter/queue';
import { TestApi } from './support/test-api';

describe('items', () => {
  let api: TestApi;
  let alice: Awaited<ReturnType<TestApi['createUser']>>;
  let bob: Awaited<ReturnType<TestApi['createUser']>>;

  beforeAll(async () => {
    api = await TestApi.start();
    alice = await api.createUser();
    bob = await api.createUser();
  });

  afterAll(async () => {
    await api.close();
  });

  const createItem = (token: string, body: unknown) =>
    api.request('POST', '/items', { token, body });

  describe('POST /items', () => {
    it('stores a pending item and answers 201 with the full contract', async () => {
      const response = await createItem(alice.token, {
        title: 'First item',
        description: 'Some words here',
      });

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        title: 'First item',
        description: 'Some words here',
        status: 'pending',
        owner_id: alice.id,
        word_count: null,
        checksum: null,
        processed_at: null,
        created_at: expect.any(String),
        job_id: expect.any(String),
        failure_reason: null,
      });
      expect(new Date(response.body.created_at).toISOString()).toBe(response.body.created_at);
    });

    it('enqueues a process-item job for the item, readable from the real queue', async () => {
      const response = await createItem(alice.token, { title: 'Queued' });

      const job = await api.queue().getJob(response.body.job_id);

      expect(job).toBeDefined();
      expect(job!.name).toBe(PROCESS_ITEM_JOB);
      expect(job!.data).toEqual({ itemId: response.body.id });
      expect(await job!.getState()).toBe('waiting');
    });

    it('accepts a missing description and stores null', async () => {
      const response = await createItem(alice.token, { title: 'No description' });

      expect(response.status).toBe(201);
      expect(response.body.description).toBeNull();
    });

    it.each([
      ['an empty title', { title: '' }, ['title']],
      ['a title over 200 characters', { title: 'x'.repeat(201) }, ['title']],
      [
        'a description over 10000 characters',
        { title: 'ok', description: 'x'.repeat(10_001) },
        ['description'],
      ],
      ['a missing title', { description: 'only' }, ['title']],
      ['an unknown property', { title: 'ok', status: 'done' }, ['status']],
      ['a wrong type', { title: 42 }, ['title']],
    ])('answers 422 for %s', async (_case, body, fields) => {
      const response = await createItem(alice.token, body);

      expect(response.status).toBe(422);
      expect(response.body.details.map((detail: { field: string }) => detail.field)).toEqual(
        fields,
      );
    });

    it('accepts the limits exactly', async () => {
      const response = await createItem(alice.token, {
        title: 'x'.repeat(200),
        description: 'y'.repeat(10_000),
      });

      expect(response.status).toBe(201);
    });

    it('answers 401 without a token', async () => {
      const response = await api.request('POST', '/items', { body: { title: 'anonymous' } });

      expect(response.status).toBe(401);
    });
  });

  describe('GET /items', () => {
    let carol: Awaited<ReturnType<TestApi['createUser']>>;
    const titles = Array.from({ length: 25 }, (_, index) => `item ${index}`);

    beforeAll(async () => {
      carol = await api.createUser();
      for (const title of titles) await createItem(carol.token, { title });
    });

    it('lists the caller’s items newest first, 20 by default, with the total', async () => {
      const response = await api.request('GET', '/items', { token: carol.token });

      expect(response.status).toBe(200);
      expect(response.body.total).toBe(25);
      expect(response.body.items.map((item: { title: string }) => item.title)).toEqual(
        [...titles].reverse().slice(0, 20),
      );
    });

    it('pages with limit and offset', async () => {
      const response = await api.request('GET', '/items?limit=10&offset=20', {
        token: carol.token,
      });

      expect(response.body.total).toBe(25);
      expect(response.body.items.map((item: { title: string }) => item.title)).toEqual(
        [...titles].reverse().slice(20),
      );
    });

    it.each([['limit=101'], ['limit=0'], ['offset=-1'], ['limit=abc'], ['page=2']])(
      'answers 422 for %s',
      async (query) => {
        const response = await api.request('GET', `/items?${query}`, { token: carol.token });

        expect(response.status).toBe(422);
        expect(response.body.details[0].field).toBe(query.split('=')[0]);
      },
    );

    it('accepts limit=100', async () => {
      const response = await api.request('GET', '/items?limit=100', { token: carol.token });

      expect(response.status).toBe(200);
      expect(response.body.items).toHaveLength(25);
    });

    it('never shows another user’s items', async () => {
      const response = await api.request('GET', '/items?limit=100', { token: bob.token });

      expect(
        response.body.items.every((item: { owner_id: string }) => item.owner_id === bob.id),
      ).toBe(true);
      expect(
        response.body.items.some((item: { owner_id: string }) => item.owner_id === carol.id),
      ).toBe(false);
    });
  });

  describe('GET /items/:id and DELETE /items/:id', () => {
    it('returns the owner’s item', async () => {
      const created = await createItem(alice.token, { title: 'Mine' });

      const response = await api.request('GET', `/items/${created.body.id}`, {
        token: alice.token,
      });

      expect(response.status).toBe(200);
      expect(response.body).toEqual(created.body);
    });

    it('answers 404 for another user’s item, a missing id and a malformed id', async () => {
      const created = await createItem(alice.token, { title: 'Private' });

      for (const [token, id] of [
        [bob.token, created.body.id],
        [alice.token, '00000000-0000-4000-8000-000000000000'],
        [alice.token, 'not-a-uuid'],
      ]) {
        const response = await api.request('GET', `/items/${id}`, { token });
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ status: 404, error: 'not_found' });
      }
    });

    it('deletes with 204, after which the item is 404', async () => {
      const created = await createItem(alice.token, { title: 'Doomed' });

      const deleted = await api.request('DELETE', `/items/${created.body.id}`, {
        token: alice.token,
      });
      const after = await api.request('GET', `/items/${created.body.id}`, { token: alice.token });
      const again = await api.request('DELETE', `/items/${created.body.id}`, {
        token: alice.token,
      });

      expect(deleted.status).toBe(204);
      expect(deleted.body).toBe('');
      expect(after.status).toBe(404);
      expect(again.status).toBe(404);
    });

    it('does not let another user delete an item', async () => {
      const created = await createItem(alice.token, { title: 'Keep out' });

      const response = await api.request('DELETE', `/items/${created.body.id}`, {
        token: bob.token,
      });
      const stillThere = await api.request('GET', `/items/${created.body.id}`, {
        token: alice.token,
      });

      expect(response.status).toBe(404);
      expect(stillThere.status).toBe(200);
    });
  });
});
