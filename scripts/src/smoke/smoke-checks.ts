import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the checks share: the app's URL, a JSON client and what earlier checks learnt. */
export interface SmokeContext {
  url: string;
  /** Requests `path` of the app; throws naming the request when the status is not `expected`. */
  request(
    method: string,
    path: string,
    expected: number,
    body?: unknown,
  ): Promise<{ body: Record<string, unknown>; headers: Headers }>;
  /** Set by the login check: sent as the bearer token by later requests. */
  token?: string;
  values: Record<string, string>;
}

export interface SmokeCheck {
  name: string;
  run(context: SmokeContext): Promise<void>;
}

/** How long the worker may take to mark the check's item done. */
export const ITEM_DONE_TIMEOUT_MS = 60_000;

/**
 * The staging checks, in order, run by `pnpm run smoke` against the environment's public URL:
 * a user's first journey through the API and the worker. Add your own at the end; each runs with
 * the context the earlier ones filled in, and the first failure stops the run.
 */
export const SMOKE_CHECKS: SmokeCheck[] = [
  {
    name: 'register',
    async run(context) {
      context.values.email = `smoke-${Date.now()}-${randomBytes(4).toString('hex')}@example.com`;
      context.values.password = randomBytes(16).toString('hex');
      await context.request('POST', '/auth/register', 201, {
        email: context.values.email,
        password: context.values.password,
      });
    },
  },
  {
    name: 'log in',
    async run(context) {
      const { body } = await context.request('POST', '/auth/login', 200, {
        email: context.values.email,
        password: context.values.password,
      });
      if (typeof body.access_token !== 'string')
        throw new Error('the login returned no access_token');
      context.token = body.access_token;
    },
  },
  {
    name: 'create an item',
    async run(context) {
      const { body } = await context.request('POST', '/items', 201, {
        title: 'smoke check',
        description: 'three words here',
      });
      if (typeof body.id !== 'string') throw new Error('the new item has no id');
      context.values.item = body.id;
    },
  },
  {
    name: 'see the item done',
    async run(context) {
      const deadline = Date.now() + ITEM_DONE_TIMEOUT_MS;
      for (;;) {
        const { body } = await context.request('GET', `/items/${context.values.item}`, 200);
        if (body.status === 'done') return;
        if (body.status === 'failed' || Date.now() > deadline) {
          throw new Error(
            `item ${context.values.item} is ${String(body.status)} after ${Math.round((ITEM_DONE_TIMEOUT_MS - (deadline - Date.now())) / 1000)}s, not done`,
          );
        }
        await sleep(500);
      }
    },
  },
];

export function smokeContext(url: string): SmokeContext {
  const context: SmokeContext = {
    url,
    values: {},
    async request(method, path, expected, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(context.token ? { authorization: `Bearer ${context.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (response.status !== expected) {
        throw new Error(
          `${method} ${path} answered ${response.status}, not ${expected}: ${text.slice(0, 200)}`,
        );
      }
      return {
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        headers: response.headers,
      };
    },
  };
  return context;
}
