import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAppEnvironment, readSsmParameters, renderEnvFile } from '../src/lib/app-secrets';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1' });
const PREFIX = '/starter/production/';
const VALID = {
  DATABASE_URL: 'postgres://app:pw@db:5432/app',
  REDIS_URL: 'redis://cache:6379',
  JWT_SECRET: 'x'.repeat(40),
};

beforeEach(() => ssm.reset());

describe('SSM parameters', () => {
  it('reads every page of decrypted parameters under the prefix, named without it', async () => {
    ssm
      .on(GetParametersByPathCommand, { Path: PREFIX, WithDecryption: true, NextToken: undefined })
      .resolves({
        Parameters: [{ Name: `${PREFIX}DATABASE_URL`, Value: VALID.DATABASE_URL }],
        NextToken: 'page-2',
      })
      .on(GetParametersByPathCommand, { Path: PREFIX, WithDecryption: true, NextToken: 'page-2' })
      .resolves({ Parameters: [{ Name: `${PREFIX}REDIS_URL`, Value: VALID.REDIS_URL }] });

    await expect(readSsmParameters(client, PREFIX)).resolves.toEqual({
      DATABASE_URL: VALID.DATABASE_URL,
      REDIS_URL: VALID.REDIS_URL,
    });
  });

  it('fails when the prefix holds no parameter', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });

    await expect(readSsmParameters(client, PREFIX)).rejects.toThrow(
      `no SSM parameters under ${PREFIX}`,
    );
  });

  it('explains expired credentials', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .rejects(Object.assign(new Error('expired'), { name: 'ExpiredToken' }));

    await expect(readSsmParameters(client, PREFIX)).rejects.toThrow(
      /AWS credentials are missing, invalid or expired/,
    );
  });

  it('names a missing parameter before anything changes on the host', async () => {
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [{ Name: `${PREFIX}DATABASE_URL`, Value: VALID.DATABASE_URL }],
    });
    const values = await readSsmParameters(client, PREFIX);

    expect(() => checkAppEnvironment(values, `SSM ${PREFIX}`)).toThrow(
      /SSM \/starter\/production\/.*REDIS_URL is required/s,
    );
  });
});

describe('app environment', () => {
  it('runs the app in production mode and requires a production-grade JWT secret', () => {
    expect(checkAppEnvironment(VALID, 'test')).toEqual({ ...VALID, NODE_ENV: 'production' });
    expect(() => checkAppEnvironment({ ...VALID, JWT_SECRET: 'short' }, 'test')).toThrow(
      /JWT_SECRET/,
    );
  });

  it('writes values single-quoted so compose does not interpolate them', () => {
    expect(renderEnvFile({ A: 'p$ss word', B: 'x' })).toBe("A='p$ss word'\nB='x'\n");
  });

  it('refuses values it cannot write literally', () => {
    expect(() => renderEnvFile({ A: "it's" })).toThrow('A contains a quote or a newline');
    expect(() => renderEnvFile({ A: 'a\nb' })).toThrow('A contains a quote or a newline');
    expect(() => renderEnvFile({ 'bad-name': 'x' })).toThrow(
      'bad-name is not a valid variable name',
    );
  });
});
