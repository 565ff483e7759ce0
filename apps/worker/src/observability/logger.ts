/** Injection token for the process's pino logger (created in main.ts with @starter/logging). */
export const LOGGER = Symbol('LOGGER');
