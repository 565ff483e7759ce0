import type { z } from 'zod';

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/**
 * Parses the environment against a schema. Every failing variable is named in the error, so a
 * misconfigured deploy fails at boot with one message instead of at the first request.
 */
export function loadEnv<Schema extends z.ZodType>(
  schema: Schema,
  source: Record<string, string | undefined> = process.env,
): z.output<Schema> {
  const definedOnly = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(definedOnly);
  if (result.success) return result.data;
  throw new InvalidEnvironmentError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const missing =
        issue.code === 'invalid_type' &&
        issue.path.length === 1 &&
        definedOnly[String(issue.path[0])] === undefined;
      return `${name} ${missing ? 'is required' : issue.message}`;
    }),
  );
}

/** Boot helper: on an invalid environment, print the problems and exit non-zero. */
export function loadEnvOrExit<Schema extends z.ZodType>(schema: Schema): z.output<Schema> {
  try {
    return loadEnv(schema);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
