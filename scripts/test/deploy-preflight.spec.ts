import { DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS } from '@starter/config';
import { dataServicesEnvironment } from '../src/deploy/data-services';
import { checkWorkerDrain } from '../src/deploy/worker-drain';

describe('worker drain against the stop grace period', () => {
  it('uses the default drain timeout when app.env does not set one', () => {
    expect(checkWorkerDrain({}, 120, 'app.env')).toBe(DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS);
    expect(checkWorkerDrain({ WORKER_DRAIN_TIMEOUT_SECONDS: '29' }, 30, 'app.env')).toBe(29);
  });

  it('refuses a drain timeout that is not shorter than the grace period, naming both', () => {
    expect(() => checkWorkerDrain({}, DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS, 'SSM /a/')).toThrow(
      `WORKER_DRAIN_TIMEOUT_SECONDS (not set in SSM /a/: default ${DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS}) must be shorter than DEPLOY_WORKER_STOP_GRACE_SECONDS=${DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS}`,
    );
    expect(() => checkWorkerDrain({ WORKER_DRAIN_TIMEOUT_SECONDS: '150' }, 120, 'app.env')).toThrow(
      'WORKER_DRAIN_TIMEOUT_SECONDS=150 (app.env) must be shorter than DEPLOY_WORKER_STOP_GRACE_SECONDS=120',
    );
  });

  it('refuses a drain timeout that is not a positive whole number', () => {
    for (const value of ['abc', '0', '2.5', '']) {
      expect(() => checkWorkerDrain({ WORKER_DRAIN_TIMEOUT_SECONDS: value }, 120, 'x')).toThrow(
        'must be a positive whole number of seconds',
      );
    }
  });
});

describe('data services', () => {
  const bundled = {
    DATABASE_URL: 'postgres://app:s%40cret@postgres:5432/appdb',
    REDIS_URL: 'redis://redis:6379',
  };

  it("takes the bundled PostgreSQL's credentials from DATABASE_URL", () => {
    expect(dataServicesEnvironment(bundled, 'bundled')).toEqual({
      POSTGRES_USER: 'app',
      POSTGRES_PASSWORD: 's@cret',
      POSTGRES_DB: 'appdb',
    });
    expect(
      dataServicesEnvironment(
        { DATABASE_URL: 'postgresql://app:pw@postgres', REDIS_URL: 'redis://redis' },
        'bundled',
      ),
    ).toEqual({ POSTGRES_USER: 'app', POSTGRES_PASSWORD: 'pw', POSTGRES_DB: 'app' });
  });

  it('refuses URLs that do not point at the bundled services when they are bundled', () => {
    expect(() =>
      dataServicesEnvironment(
        { ...bundled, DATABASE_URL: 'postgres://app:pw@db.example.com:5432/app' },
        'bundled',
      ),
    ).toThrow(
      /DATABASE_URL must point at the bundled postgres .* not db\.example\.com:5432; for a managed service set DEPLOY_DATA_SERVICES=external/,
    );
    expect(() =>
      dataServicesEnvironment({ ...bundled, REDIS_URL: 'redis://redis:6380' }, 'bundled'),
    ).toThrow('REDIS_URL must point at the bundled redis');
    expect(() =>
      dataServicesEnvironment({ ...bundled, REDIS_URL: 'redis://:pw@redis:6379' }, 'bundled'),
    ).toThrow('REDIS_URL must carry no credentials');
    expect(() =>
      dataServicesEnvironment(
        { ...bundled, DATABASE_URL: 'postgres://app@postgres/app' },
        'bundled',
      ),
    ).toThrow('DATABASE_URL must name a user and a password');
    expect(() => dataServicesEnvironment({ REDIS_URL: bundled.REDIS_URL }, 'bundled')).toThrow(
      'DATABASE_URL is not set',
    );
  });

  it('writes nothing for managed services and refuses URLs that point at the bundled ones', () => {
    const managed = {
      DATABASE_URL: 'postgres://app:pw@app.abc.eu-west-3.rds.amazonaws.com:5432/app',
      REDIS_URL: 'rediss://:token@app.abc.cache.amazonaws.com:6379',
    };
    expect(dataServicesEnvironment(managed, 'external')).toBeUndefined();
    expect(() =>
      dataServicesEnvironment({ ...managed, REDIS_URL: bundled.REDIS_URL }, 'external'),
    ).toThrow('REDIS_URL points at the bundled redis, but DEPLOY_DATA_SERVICES=external');
  });
});
