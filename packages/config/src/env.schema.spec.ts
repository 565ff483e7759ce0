import { apiEnvSchema, databaseEnvSchema } from './env.schema';
import { InvalidEnvironmentError, loadEnv } from './load-env';

const valid = {
  DATABASE_URL: 'postgres://app:app@localhost:5432/app',
  REDIS_URL: 'redis://localhost:6379',
};
const strongSecret = 'k'.repeat(48);

function problems(source: Record<string, string>): string[] {
  try {
    loadEnv(apiEnvSchema, source);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  throw new Error('expected the environment to be rejected');
}

describe('environment', () => {
  it('applies defaults to a minimal development environment', () => {
    const env = loadEnv(apiEnvSchema, valid);

    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      LOG_LEVEL: 'info',
      CORS_ORIGINS: [],
    });
    expect(env.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('names each missing variable', () => {
    expect(problems({})).toEqual(['DATABASE_URL is required', 'REDIS_URL is required']);
  });

  it('names malformed variables with the reason', () => {
    const found = problems({
      ...valid,
      DATABASE_URL: 'mysql://x/y',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
    });

    expect(found).toEqual(
      expect.arrayContaining([
        'DATABASE_URL must be a postgres:// URL',
        expect.stringMatching(/^PORT /),
        expect.stringMatching(/^LOG_LEVEL /),
      ]),
    );
    expect(found).toHaveLength(3);
  });

  it('treats empty values as unset', () => {
    expect(problems({ ...valid, REDIS_URL: '' })).toEqual(['REDIS_URL is required']);
  });

  it('requires a strong JWT secret in production, with no default', () => {
    const weak = [
      expect.stringMatching(/^JWT_SECRET must be set to a random string of at least 32 characters/),
    ];
    expect(problems({ ...valid, NODE_ENV: 'production' })).toEqual(weak);
    expect(problems({ ...valid, NODE_ENV: 'production', JWT_SECRET: 'short' })).toEqual(weak);
    expect(
      loadEnv(apiEnvSchema, { ...valid, NODE_ENV: 'production', JWT_SECRET: strongSecret })
        .JWT_SECRET,
    ).toBe(strongSecret);
  });

  it('refuses the development secret in production', () => {
    const developmentSecret = loadEnv(apiEnvSchema, valid).JWT_SECRET;

    expect(problems({ ...valid, NODE_ENV: 'production', JWT_SECRET: developmentSecret })).toEqual([
      'JWT_SECRET must not be the development default in production',
    ]);
  });

  it('checks the previous JWT secret like the current one in production', () => {
    const production = { ...valid, NODE_ENV: 'production', JWT_SECRET: strongSecret };

    expect(problems({ ...production, JWT_PREVIOUS_SECRET: 'short' })).toEqual([
      expect.stringMatching(/^JWT_PREVIOUS_SECRET must be set to a random string of at least 32/),
    ]);
    expect(
      loadEnv(apiEnvSchema, { ...production, JWT_PREVIOUS_SECRET: 'p'.repeat(40) })
        .JWT_PREVIOUS_SECRET,
    ).toBe('p'.repeat(40));
  });

  it('serves the API docs by default in development only', () => {
    const production = { ...valid, NODE_ENV: 'production', JWT_SECRET: strongSecret };

    expect(loadEnv(apiEnvSchema, valid).DOCS_ENABLED).toBe(true);
    expect(loadEnv(apiEnvSchema, production).DOCS_ENABLED).toBe(false);
    expect(loadEnv(apiEnvSchema, { ...production, DOCS_ENABLED: 'true' }).DOCS_ENABLED).toBe(true);
  });

  it('trusts exactly one proxy hop by default, as in production behind its proxy', () => {
    expect(loadEnv(apiEnvSchema, valid).TRUST_PROXY_HOPS).toBe(1);
    expect(loadEnv(apiEnvSchema, { ...valid, TRUST_PROXY_HOPS: '0' }).TRUST_PROXY_HOPS).toBe(0);
  });

  it('parses CORS origins as a comma-separated list', () => {
    expect(
      loadEnv(apiEnvSchema, { ...valid, CORS_ORIGINS: 'https://a.example, https://b.example' })
        .CORS_ORIGINS,
    ).toEqual(['https://a.example', 'https://b.example']);
  });

  it('requires the dashboard credentials together', () => {
    expect(problems({ ...valid, BULL_BOARD_USER: 'admin' })).toEqual([
      'BULL_BOARD_PASSWORD must be set together with BULL_BOARD_USER',
    ]);
  });

  it('lets the migrator run with the database alone', () => {
    expect(loadEnv(databaseEnvSchema, { DATABASE_URL: valid.DATABASE_URL }).DATABASE_URL).toBe(
      valid.DATABASE_URL,
    );
  });
});
