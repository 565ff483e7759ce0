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

  const createItem = (token: string, body: { title: string; description?: string | null }) =>
    api.client(token).POST('/items', { body });
  /** For bodies the typed client would not let through. */
  const postItem = (token: string, body: unknown) => api.request('POST', '/items', { token, body });

  describe('POST /items', () => {
    it('stores a pending item and answers 201 with the full contract', async () => {
      const { data, response } = await createItem(alice.token, {
        title: 'First item',
        description: 'Some words here',
      });

      expect(response.status).toBe(201);
      expect(data).toEqual({
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
      expect(new Date(data!.created_at).toISOString()).toBe(data!.created_at);
    });

    it('enqueues a process-item job for the item, readable from the real queue', async () => {
      const { data: item } = await createItem(alice.token, { title: 'Queued' });

      const job = await api.queue().getJob(item!.job_id!);

      expect(job).toBeDefined();
      expect(job!.name).toBe(PROCESS_ITEM_JOB);
      expect(job!.data).toEqual({ itemId: item!.id });
      expect(await job!.getState()).toBe('waiting');
    });

    it('accepts a missing description and stores null', async () => {
      const { data, response } = await createItem(alice.token, { title: 'No description' });

      expect(response.status).toBe(201);
      expect(data!.description).toBeNull();
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
      const response = await postItem(alice.token, body);

      expect(response.status).toBe(422);
      expect(response.body.details.map((detail: { field: string }) => detail.field)).toEqual(
        fields,
      );
    });

    it('accepts the limits exactly', async () => {
      const { response } = await createItem(alice.token, {
        title: 'x'.repeat(200),
        description: 'y'.repeat(10_000),
      });

      expect(response.status).toBe(201);
    });

    it('answers 401 without a token', async () => {
      const { error, response } = await api
        .client()
        .POST('/items', { body: { title: 'anonymous' } });

      expect(response.status).toBe(401);
      expect(error).toMatchObject({ status: 401, error: 'unauthorized' });
    });
  });

  describe('GET /items', () => {
    let carol: Awaited<ReturnType<TestApi['createUser']>>;
    const titles = Array.from({ length: 25 }, (_, index) => `item ${index}`);

    beforeAll(async () => {
      carol = await api.createUser();
      for (const title of titles) await createItem(carol.token, { title });
    });

    const listItems = (token: string, query: { limit?: number; offset?: number } = {}) =>
      api.client(token).GET('/items', { params: { query } });

    it('lists the caller’s items newest first, 20 by default, with the total', async () => {
      const { data, response } = await listItems(carol.token);

      expect(response.status).toBe(200);
      expect(data!.total).toBe(25);
      expect(data!.items.map((item) => item.title)).toEqual([...titles].reverse().slice(0, 20));
    });

    it('pages with limit and offset', async () => {
      const { data } = await listItems(carol.token, { limit: 10, offset: 20 });

      expect(data!.total).toBe(25);
      expect(data!.items.map((item) => item.title)).toEqual([...titles].reverse().slice(20));
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
      const { data, response } = await listItems(carol.token, { limit: 100 });

      expect(response.status).toBe(200);
      expect(data!.items).toHaveLength(25);
    });

    it('never shows another user’s items', async () => {
      const { data } = await listItems(bob.token, { limit: 100 });

      expect(data!.items.every((item) => item.owner_id === bob.id)).toBe(true);
      expect(data!.items.some((item) => item.owner_id === carol.id)).toBe(false);
    });
  });

  describe('GET /items/:id and DELETE /items/:id', () => {
    const byId = (id: string) => ({ params: { path: { id } } });

    it('returns the owner’s item', async () => {
      const { data: created } = await createItem(alice.token, { title: 'Mine' });

      const { data, response } = await api
        .client(alice.token)
        .GET('/items/{id}', byId(created!.id));

      expect(response.status).toBe(200);
      expect(data).toEqual(created);
    });

    it('answers 404 for another user’s item, a missing id and a malformed id', async () => {
      const { data: created } = await createItem(alice.token, { title: 'Private' });

      for (const [token, id] of [
        [bob.token, created!.id],
        [alice.token, '00000000-0000-4000-8000-000000000000'],
        [alice.token, 'not-a-uuid'],
      ] as const) {
        const { error, response } = await api.client(token).GET('/items/{id}', byId(id));
        expect(response.status).toBe(404);
        expect(error).toMatchObject({ status: 404, error: 'not_found' });
      }
    });

    it('deletes with 204, after which the item is 404', async () => {
      const client = api.client(alice.token);
      const { data: created } = await createItem(alice.token, { title: 'Doomed' });

      const deleted = await client.DELETE('/items/{id}', byId(created!.id));
      const after = await client.GET('/items/{id}', byId(created!.id));
      const again = await client.DELETE('/items/{id}', byId(created!.id));

      expect(deleted.response.status).toBe(204);
      expect(await deleted.response.text()).toBe('');
      expect(after.response.status).toBe(404);
      expect(again.response.status).toBe(404);
    });

    it('does not let another user delete an item', async () => {
      const { data: created } = await createItem(alice.token, { title: 'Keep out' });

      const { response } = await api.client(bob.token).DELETE('/items/{id}', byId(created!.id));
      const stillThere = await api.client(alice.token).GET('/items/{id}', byId(created!.id));

      expect(response.status).toBe(404);
      expect(stillThere.response.status).toBe(200);
    });
  });
});
