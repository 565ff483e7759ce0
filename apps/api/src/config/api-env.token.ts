import type { ApiEnv } from '@starter/config';

/** Injection token for the validated environment (see @starter/config). */
export const API_ENV = Symbol('API_ENV');
export type { ApiEnv };
