import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCEPTED_MEDIA_TYPES, ecrRegistry, resolveImage } from '../src/lib/registry';
import { pushAction } from '../src/release/push-plan';

/** Manifests as registries serve them: a docker push of the classic store, BuildKit's OCI ones. */
const fixture = (name: string) =>
  readFileSync(path.join(__dirname, 'fixtures/manifests', `${name}.json`), 'utf8');
const digestOf = (raw: string) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;
const IMAGE_IN_INDEX = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const OCI_CONFIG = 'sha256:3333333333333333333333333333333333333333333333333333333333333333';

/** A registry holding the OCI image manifest under IMAGE_IN_INDEX, and nothing else. */
const fetchChild = (digest: string) =>
  digest === IMAGE_IN_INDEX
    ? Promise.resolve(fixture('oci-image-manifest'))
    : Promise.reject(new Error(`unexpected fetch of ${digest}`));

describe('what a release tag points to in the registry', () => {
  it('an image manifest: its config digest (the classic store image ID); its digest is its bytes', async () => {
    const raw = fixture('docker-image-manifest');

    await expect(resolveImage(digestOf(raw), raw, fetchChild, 'r/api:t')).resolves.toEqual({
      // Recorded from `docker push` of a Docker 20.10 build to registry:2, which reported this digest.
      manifestDigest: 'sha256:2b6a8ab1b9de0b856a35299ecd02e544508907103977f8f5295a7e7cf5bb3653',
      configDigest: 'sha256:a2fc0373d44cf82c411b82b1eadfb4bb197cab6f02f1025a2bf0d85062dcfc34',
    });
  });

  it("an OCI image index with a provenance attestation (BuildKit, containerd store): the index's digest, the image's config", async () => {
    const raw = fixture('oci-index-with-provenance');

    await expect(resolveImage('sha256:index', raw, fetchChild, 'r/api:t')).resolves.toEqual({
      manifestDigest: 'sha256:index',
      configDigest: OCI_CONFIG,
    });
  });

  it('refuses a multi-platform manifest list: a release is one image', async () => {
    await expect(
      resolveImage(
        'sha256:list',
        fixture('docker-manifest-list-multi-platform'),
        fetchChild,
        'r/api:t',
      ),
    ).rejects.toThrow('r/api:t is an image index of 2 images (linux/amd64, linux/arm64)');
  });

  it('takes an image pushed from the containerd store (image ID = manifest digest) as already pushed', async () => {
    const remote = await resolveImage(
      'sha256:index',
      fixture('oci-index-with-provenance'),
      fetchChild,
      'r/api:t',
    );

    expect(pushAction('r/api:t', 'sha256:index', remote)).toBe('already-pushed');
    expect(pushAction('r/api:t', OCI_CONFIG, remote)).toBe('already-pushed');
    expect(() => pushAction('r/api:t', 'sha256:other', remote)).toThrow('another build');
  });
});

describe('ECR and image indexes', () => {
  const ecr = mockClient(ECRClient);
  beforeEach(() => ecr.reset());
  afterAll(() => ecr.restore());

  it('accepts indexes and fetches the image they hold by digest', async () => {
    ecr
      .on(BatchGetImageCommand, {
        repositoryName: 'starter-api',
        imageIds: [{ imageTag: 'abc' }],
        acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
      })
      .resolves({
        images: [
          {
            imageId: { imageDigest: 'sha256:index' },
            imageManifest: fixture('oci-index-with-provenance'),
          },
        ],
      })
      .on(BatchGetImageCommand, {
        repositoryName: 'starter-api',
        imageIds: [{ imageDigest: IMAGE_IN_INDEX }],
        acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
      })
      .resolves({ images: [{ imageManifest: fixture('oci-image-manifest') }] });
    const registry = ecrRegistry('1.dkr.ecr.eu-west-1.amazonaws.com', new ECRClient({}));

    await expect(registry.inspect('starter-api', 'abc')).resolves.toEqual({
      manifestDigest: 'sha256:index',
      configDigest: OCI_CONFIG,
    });
    expect(ACCEPTED_MEDIA_TYPES).toEqual(
      expect.arrayContaining([
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ]),
    );
  });
});
