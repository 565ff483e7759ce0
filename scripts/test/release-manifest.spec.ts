import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BatchGetImageCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
} from '@aws-sdk/client-ecr';
import { loadEnv, registryEnvSchema } from '@starter/config';
import { mockClient } from 'aws-sdk-client-mock';
import { ecrRegistry } from '../src/lib/registry';
import {
  checkDigests,
  MANIFEST_LABEL,
  manifestLabels,
  manifestReference,
  readReleaseManifest,
  requireReleaseManifest,
  type ReleaseManifest,
} from '../src/release/release-manifest';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const config = loadEnv(registryEnvSchema, { DEPLOY_REGISTRY: HOST });
const TAG = '0123456789ab';
const MANIFEST: ReleaseManifest = {
  tag: TAG,
  commit: `${TAG}${'c'.repeat(28)}`,
  digests: { api: `sha256:${'a'.repeat(64)}`, worker: `sha256:${'b'.repeat(64)}` },
  built: '2026-01-01T00:00:00Z',
  ciRun: 'https://github.com/acme/shop/actions/runs/1',
};
const CONFIG_DIGEST = `sha256:${'e'.repeat(64)}`;
const ecr = mockClient(ECRClient);
const registry = ecrRegistry(HOST, new ECRClient({ region: 'eu-west-1' }));
let server: Server;
let served: unknown;

beforeAll(async () => {
  // Stands in for the S3 URL ECR hands out for a blob.
  server = createServer((_request, response) => response.end(JSON.stringify(served)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => ecr.reset());

function registryHolds(labels: Record<string, string> | undefined): void {
  served = { config: { Labels: labels } };
  ecr.on(BatchGetImageCommand).resolves(
    labels
      ? {
          images: [
            {
              imageId: { imageDigest: `sha256:${'f'.repeat(64)}` },
              imageManifest: JSON.stringify({
                mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
                config: { digest: CONFIG_DIGEST },
                layers: [],
              }),
            },
          ],
        }
      : { failures: [{ failureCode: 'ImageNotFound' }] },
  );
  ecr.on(GetDownloadUrlForLayerCommand, { layerDigest: CONFIG_DIGEST }).resolves({
    downloadUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/blob`,
  });
}

describe('the release manifest in the registry', () => {
  it('is read back from the label of manifest-<tag> in the api repository', async () => {
    registryHolds(manifestLabels(MANIFEST));
    await expect(readReleaseManifest(registry, config, TAG)).resolves.toEqual(MANIFEST);
    expect(ecr.commandCalls(BatchGetImageCommand)[0]!.args[0].input).toMatchObject({
      repositoryName: 'starter-api',
      imageIds: [{ imageTag: `manifest-${TAG}` }],
    });
    expect(manifestReference(config, TAG)).toBe(`${HOST}/starter-api:manifest-${TAG}`);
  });

  it('missing, a deploy is refused naming the verb that records it', async () => {
    registryHolds(undefined);
    await expect(readReleaseManifest(registry, config, TAG)).resolves.toBeUndefined();
    await expect(requireReleaseManifest(registry, config, TAG)).rejects.toThrow(
      `${HOST}/starter-api:manifest-${TAG} is not in the registry: run pnpm release:push`,
    );
  });

  it('refuses a manifest of another release, or one that is not a manifest', async () => {
    registryHolds(manifestLabels({ ...MANIFEST, tag: 'ffffffffffff' }));
    await expect(readReleaseManifest(registry, config, TAG)).rejects.toThrow(
      'is the manifest of ffffffffffff, not of 0123456789ab',
    );
    registryHolds({
      [MANIFEST_LABEL]: JSON.stringify({ ...MANIFEST, digests: { api: 'latest' } }),
    });
    await expect(readReleaseManifest(registry, config, TAG)).rejects.toThrow(
      /is not a release manifest: digests.api must be a sha256 digest; digests.worker/,
    );
    registryHolds({});
    await expect(readReleaseManifest(registry, config, TAG)).rejects.toThrow(
      `has no ${MANIFEST_LABEL} label`,
    );
  });

  it('digests other than the manifest’s are refused, naming where they were found', () => {
    expect(() => checkDigests(MANIFEST, MANIFEST.digests, 'the registry')).not.toThrow();
    expect(() =>
      checkDigests(
        MANIFEST,
        { ...MANIFEST.digests, worker: `sha256:${'0'.repeat(64)}` },
        'staging',
      ),
    ).toThrow(
      `staging has worker sha256:${'0'.repeat(64)}, but the release manifest of ${TAG} says`,
    );
  });
});
