import createFetchClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './generated/openapi';

export type { components, operations, paths };

type Schemas = components['schemas'];
export type Item = Schemas['Item'];
export type ItemList = Schemas['ItemList'];
export type Job = Schemas['Job'];
export type JobResult = Schemas['JobResult'];
export type User = Schemas['User'];
export type Token = Schemas['Token'];
/** The one error body every endpoint answers with. */
export type ApiErrorBody = Schemas['Error'];
export type ErrorDetail = Schemas['ErrorDetail'];

export type ApiClient = Client<paths>;

export interface ApiClientOptions extends ClientOptions {
  /** The API's origin, e.g. `https://api.example.com`. */
  baseUrl: string;
  /** The `access_token` from `login`, or a function returning the current one (none: no header). */
  token?: string | (() => string | undefined);
}

/**
 * A typed client: `client.GET('/items/{id}', { params: { path: { id } } })` resolves to
 * `{ data, error, response }`, `data` typed by the route's success response and `error` by its
 * error responses.
 */
export function createApiClient({ token, ...options }: ApiClientOptions): ApiClient {
  const client = createFetchClient<paths>(options);
  if (token !== undefined) {
    client.use({
      onRequest({ request }) {
        const current = typeof token === 'function' ? token() : token;
        if (current) request.headers.set('authorization', `Bearer ${current}`);
        return request;
      },
    });
  }
  return client;
}
