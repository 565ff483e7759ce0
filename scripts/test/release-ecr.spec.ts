import {
  BatchGetImageCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { ecrRegistry } from '../src/lib/registry';
import { pushAction } from '../src/release/push-plan';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const ecr = mockClient(ECRClient);
const registry = ecrRegistry(HOST, new ECRClient({ region: 'eu-west-1' }));

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

beforeEach(() => ecr.reset());

describe('ECR credentials', () => {
  it('decodes the authorization token into the user and password for docker login', async () => {
    const token = Buffer.from('AWS:secret:with:colons').toString('base64');
    ecr
      .on(GetAuthorizationTokenCommand)
      .resolves({ authorizationData: [{ authorizationToken: token }] });

    await expect(registry.credentials()).resolves.toEqual({
      username: 'AWS',
      password: 'secret:with:colons',
    });
  });

  it('fails clearly when ECR returns no token', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [] });

    await expect(registry.credentials()).rejects.toThrow('GetAuthorizationToken returned no token');
  });

  it('explains expired credentials without leaking anything else', async () => {
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejects(
        awsError('ExpiredTokenException', 'The security token included in the request is expired'),
      );

    await expect(registry.credentials()).rejects.toThrow(
      /AWS credentials are missing, invalid or expired \(ExpiredTokenException/,
    );
  });
});

describe('ECR image lookup', () => {
  const manifest = JSON.stringify({ schemaVersion: 2, config: { digest: 'sha256:config-a' } });

  it('returns the manifest and config digests of an existing tag', async () => {
    ecr
      .on(BatchGetImageCommand, { repositoryName: 'starter-api', imageIds: [{ imageTag: 'abc' }] })
      .resolves({
        images: [{ imageId: { imageDigest: 'sha256:manifest-a' }, imageManifest: manifest }],
      });

    await expect(registry.inspect('starter-api', 'abc')).resolves.toEqual({
      manifestDigest: 'sha256:manifest-a',
      configDigest: 'sha256:config-a',
    });
  });

  it('returns undefined for a tag that does not exist', async () => {
    ecr
      .on(BatchGetImageCommand)
      .resolves({ images: [], failures: [{ failureCode: 'ImageNotFound' }] });

    await expect(registry.inspect('starter-api', 'abc')).resolves.toBeUndefined();
  });

  it('names the missing repository and how to create it', async () => {
    ecr
      .on(BatchGetImageCommand)
      .rejects(
        new RepositoryNotFoundException({ message: 'repository does not exist', $metadata: {} }),
      );

    await expect(registry.inspect('starter-api', 'abc')).rejects.toThrow(
      `ECR repository starter-api does not exist in ${HOST}: create it first (pnpm infra:deploy)`,
    );
  });

  it('refuses to push over a tag that holds another build', async () => {
    ecr.on(BatchGetImageCommand).resolves({
      images: [{ imageId: { imageDigest: 'sha256:manifest-a' }, imageManifest: manifest }],
    });
    const remote = await registry.inspect('starter-api', 'abc');

    expect(() => pushAction(`${HOST}/starter-api:abc`, 'sha256:config-b', remote)).toThrow(
      /already exists in the registry as another build.*refusing to overwrite it/,
    );
    expect(pushAction(`${HOST}/starter-api:abc`, 'sha256:config-a', remote)).toBe('already-pushed');
    expect(pushAction(`${HOST}/starter-api:abc`, 'sha256:config-a', undefined)).toBe('push');
  });
});
