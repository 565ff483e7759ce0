import { z } from 'zod';
import { IMAGES, type ImageName } from './images';

/** The migrator shipped in the app image (packages/db/src/cli/migrate.ts, built by Dockerfile.app). */
export const DEFAULT_MIGRATE_COMMAND = 'node packages/db/dist/cli/migrate.js';

/**
 * `bundled`: the deploy runs PostgreSQL and Redis on the host (compose profile "data").
 * `external`: DATABASE_URL and REDIS_URL point at managed services (RDS, ElastiCache).
 */
export const DATA_SERVICES_MODES = ['bundled', 'external'] as const;
export type DataServicesMode = (typeof DATA_SERVICES_MODES)[number];

/**
 * `acme`: the proxy terminates TLS for DEPLOY_DOMAINS with certificates it obtains and renews over
 * ACME. `off`: plain HTTP, for a host behind a load balancer that terminates TLS.
 */
export const TLS_MODES = ['acme', 'off'] as const;

/** DEPLOY_ACME_CA's names for Let's Encrypt's directories; any other value is a directory URL. */
export const ACME_DIRECTORIES = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const CIDR = z.union([z.cidrv4(), z.cidrv6()]);
const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

const ECR_REGISTRY = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/;

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes');
const positiveInt = z.coerce.number().int().positive();
const port = z.coerce.number().int().min(1).max(65535);

/**
 * Where images live. `release:build` and `release:push` need only this part, so they run on a
 * machine that has no SSH access to the host.
 */
export const registryEnvSchema = z
  .object({
    DEPLOY_REGISTRY: z
      .string()
      .min(1, 'must name the registry, e.g. <account>.dkr.ecr.<region>.amazonaws.com'),
    /** Prepended to the repository names from IMAGES; the rehearsal uses it to stay out of them. */
    DEPLOY_REPOSITORY_PREFIX: z
      .string()
      .regex(/^([a-z0-9._-]+\/)*$/, 'must be empty or end with /')
      .default(''),
    AWS_REGION: z.string().min(1).optional(),
    /** Set by GitHub Actions: the release manifest and the deploy lock name the workflow run. */
    GITHUB_SERVER_URL: z.string().min(1).optional(),
    GITHUB_REPOSITORY: z.string().min(1).optional(),
    GITHUB_RUN_ID: z.string().min(1).optional(),
  })
  .transform((env) => {
    const ecr = ECR_REGISTRY.exec(env.DEPLOY_REGISTRY);
    return {
      registry: env.DEPLOY_REGISTRY,
      /** ECR registries authenticate through the AWS SDK; any other through plain `docker login`. */
      ecr: ecr ? { region: env.AWS_REGION ?? ecr[2]! } : undefined,
      repositories: {
        api: `${env.DEPLOY_REPOSITORY_PREFIX}${IMAGES.api.repository}`,
        worker: `${env.DEPLOY_REPOSITORY_PREFIX}${IMAGES.worker.repository}`,
      } satisfies Record<ImageName, string>,
      ciRun:
        env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
          ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined,
    };
  });

/** Everything `deploy`, `rollback`, `deploy:status` and `deploy:unlock` need. */
export const deployEnvSchema = z
  .object({
    /**
     * The environment (staging, production, …) these settings belong to; set by `--env NAME` from
     * infra/environments.json. Unset: the one environment the DEPLOY_* variables describe.
     */
    DEPLOY_ENVIRONMENT: name.optional(),
    /** The app's public URL (the staging checks' target); default http://DEPLOY_HOST[:port]. */
    DEPLOY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
    /** How long a release must have run healthy on the source before `promote` takes it. */
    DEPLOY_PROMOTE_BAKE_SECONDS: z.coerce.number().int().min(0).default(600),
    DEPLOY_APP: name.default('starter'),
    DEPLOY_HOST: z.string().min(1),
    DEPLOY_USER: z.string().min(1).default('deploy'),
    DEPLOY_PORT: port.default(22),
    DEPLOY_SSH_KEY: z.string().min(1),
    /** A known_hosts file pinning the host key; in CI pass its content in DEPLOY_KNOWN_HOSTS instead. */
    DEPLOY_KNOWN_HOSTS_FILE: z.string().min(1).optional(),
    DEPLOY_KNOWN_HOSTS: z.string().min(1).optional(),
    /** Directory on the host holding releases/, current, previous, history, audit.log and lock. */
    DEPLOY_DIR: z.string().regex(/^\//, 'must be an absolute path').optional(),
    /** The proxy's HTTP port on the host (ACME challenges and the redirect to HTTPS). */
    DEPLOY_PROXY_PORT: port.default(80),
    DEPLOY_PROXY_TLS_PORT: port.default(443),
    DEPLOY_PROXY_ADDRESS: z.string().min(1).default('0.0.0.0'),
    DEPLOY_TLS: z.enum(TLS_MODES).default('acme'),
    /** The names the certificate covers, each with DNS pointing at the host (required for acme). */
    DEPLOY_DOMAINS: list(z.string().regex(DOMAIN, 'must be lowercase DNS names')).optional(),
    /** letsencrypt, letsencrypt-staging (untrusted certificates, generous rate limits) or a URL. */
    DEPLOY_ACME_CA: z
      .union([
        z.enum(['letsencrypt', 'letsencrypt-staging']).transform((name) => ACME_DIRECTORIES[name]),
        z.url({
          protocol: /^https$/,
          error: 'must be letsencrypt, letsencrypt-staging or an https:// URL',
        }),
      ])
      .default(ACME_DIRECTORIES.letsencrypt),
    /** Where the CA sends expiry and account notices. */
    DEPLOY_ACME_EMAIL: z.email().optional(),
    /** A PEM file of roots to trust for a private ACME directory's own HTTPS (e.g. step-ca). */
    DEPLOY_ACME_CA_ROOT: z.string().min(1).optional(),
    /** With DEPLOY_TLS=off: the load balancer's addresses, the only peers whose X-Forwarded-* count. */
    DEPLOY_LOAD_BALANCER_CIDRS: list(CIDR).optional(),
    /** How long the verify step waits for the first certificate of a new domain. */
    DEPLOY_CERTIFICATE_TIMEOUT_SECONDS: positiveInt.default(180),
    DEPLOY_RETENTION: positiveInt.default(5),
    /** SSM Parameter Store prefix holding the app's environment, e.g. /starter/production/. */
    DEPLOY_SSM_PATH: z
      .string()
      .regex(/^\/.*\/$/, 'must start and end with /')
      .optional(),
    /** For local use only: a git-ignored file with the app's environment (KEY=value lines). */
    DEPLOY_ENV_FILE: z.string().min(1).optional(),
    DEPLOY_MIGRATE_COMMAND: z.string().min(1).default(DEFAULT_MIGRATE_COMMAND),
    /** Requested through the proxy after /health/ready to check the new release really serves. */
    DEPLOY_SMOKE_PATH: z.string().regex(/^\//, 'must start with /').default('/health/live'),
    DEPLOY_HEALTHCHECK_RETRIES: positiveInt.default(15),
    /** How long Docker lets the old worker drain before killing it; see the compose file. */
    DEPLOY_WORKER_STOP_GRACE_SECONDS: positiveInt.default(120),
    DEPLOY_DATA_SERVICES: z.enum(DATA_SERVICES_MODES).default('bundled'),
    DEPLOY_ACTOR: z.string().min(1).optional(),
    /**
     * The deploy lock is a lease the deploy renews every third of this; a lease not renewed for
     * this long (its deployer died) is taken over by the next deploy.
     */
    DEPLOY_LOCK_TTL_SECONDS: z.coerce.number().int().min(3).default(300),
    /** Time limits of the remote steps; a step still running then is stopped on the host. */
    DEPLOY_PULL_TIMEOUT_SECONDS: positiveInt.default(600),
    /** `up --wait` of the new api or worker, and of the bundled data services. */
    DEPLOY_START_TIMEOUT_SECONDS: positiveInt.default(300),
    DEPLOY_MIGRATE_TIMEOUT_SECONDS: positiveInt.default(900),
    /** How long the proxy's previous workers may take to finish their requests after the switch. */
    DEPLOY_PROXY_DRAIN_TIMEOUT_SECONDS: positiveInt.default(60),
    DEPLOY_REGISTRY_USERNAME: z.string().min(1).optional(),
    DEPLOY_REGISTRY_PASSWORD: z.string().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    if (!env.DEPLOY_KNOWN_HOSTS_FILE && !env.DEPLOY_KNOWN_HOSTS) {
      ctx.addIssue({
        code: 'custom',
        // No path: the loader would report a missing variable as just "is required".
        path: [],
        message:
          'DEPLOY_KNOWN_HOSTS_FILE or DEPLOY_KNOWN_HOSTS must pin the host key (strict host key checking)',
      });
    }
    if (Boolean(env.DEPLOY_SSM_PATH) === Boolean(env.DEPLOY_ENV_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEPLOY_SSM_PATH'],
        message: 'or DEPLOY_ENV_FILE (exactly one) must say where the app secrets come from',
      });
    }
    if (env.DEPLOY_TLS === 'acme' && !env.DEPLOY_DOMAINS?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEPLOY_DOMAINS'],
        message:
          'must name the domains to obtain certificates for (or DEPLOY_TLS=off behind a load balancer that terminates TLS)',
      });
    }
    if (env.DEPLOY_TLS === 'off' && !env.DEPLOY_LOAD_BALANCER_CIDRS?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEPLOY_LOAD_BALANCER_CIDRS'],
        message:
          "must name the load balancer's addresses with DEPLOY_TLS=off: the client address is taken from them only",
      });
    }
  })
  .transform((env) => ({
    environment: env.DEPLOY_ENVIRONMENT,
    url: (
      env.DEPLOY_URL ??
      `http://${env.DEPLOY_HOST}${env.DEPLOY_PROXY_PORT === 80 ? '' : `:${env.DEPLOY_PROXY_PORT}`}`
    ).replace(/\/$/, ''),
    promoteBakeSeconds: env.DEPLOY_PROMOTE_BAKE_SECONDS,
    app: env.DEPLOY_APP,
    ssh: {
      host: env.DEPLOY_HOST,
      user: env.DEPLOY_USER,
      port: env.DEPLOY_PORT,
      keyPath: env.DEPLOY_SSH_KEY,
      knownHosts: env.DEPLOY_KNOWN_HOSTS_FILE
        ? { file: env.DEPLOY_KNOWN_HOSTS_FILE }
        : { content: env.DEPLOY_KNOWN_HOSTS! },
    },
    dir: env.DEPLOY_DIR ?? `/srv/${env.DEPLOY_APP}`,
    proxy: {
      port: env.DEPLOY_PROXY_PORT,
      tlsPort: env.DEPLOY_PROXY_TLS_PORT,
      address: env.DEPLOY_PROXY_ADDRESS,
      tls:
        env.DEPLOY_TLS === 'acme'
          ? {
              mode: 'acme' as const,
              domains: env.DEPLOY_DOMAINS!,
              directory: env.DEPLOY_ACME_CA,
              email: env.DEPLOY_ACME_EMAIL,
              caRootFile: env.DEPLOY_ACME_CA_ROOT,
            }
          : { mode: 'off' as const, loadBalancerCidrs: env.DEPLOY_LOAD_BALANCER_CIDRS! },
    },
    retention: env.DEPLOY_RETENTION,
    secrets: env.DEPLOY_SSM_PATH
      ? ({ source: 'ssm', path: env.DEPLOY_SSM_PATH } as const)
      : ({ source: 'file', file: env.DEPLOY_ENV_FILE! } as const),
    migrateCommand: env.DEPLOY_MIGRATE_COMMAND.split(/\s+/).filter(Boolean),
    smokePath: env.DEPLOY_SMOKE_PATH,
    healthcheckRetries: env.DEPLOY_HEALTHCHECK_RETRIES,
    workerStopGraceSeconds: env.DEPLOY_WORKER_STOP_GRACE_SECONDS,
    dataServices: env.DEPLOY_DATA_SERVICES,
    actor: env.DEPLOY_ACTOR,
    lockTtlSeconds: env.DEPLOY_LOCK_TTL_SECONDS,
    timeouts: {
      pull: env.DEPLOY_PULL_TIMEOUT_SECONDS,
      start: env.DEPLOY_START_TIMEOUT_SECONDS,
      migrate: env.DEPLOY_MIGRATE_TIMEOUT_SECONDS,
      proxyDrain: env.DEPLOY_PROXY_DRAIN_TIMEOUT_SECONDS,
      certificate: env.DEPLOY_CERTIFICATE_TIMEOUT_SECONDS,
    },
    registryCredentials:
      env.DEPLOY_REGISTRY_USERNAME && env.DEPLOY_REGISTRY_PASSWORD
        ? { username: env.DEPLOY_REGISTRY_USERNAME, password: env.DEPLOY_REGISTRY_PASSWORD }
        : undefined,
  }));

export type RegistryConfig = z.output<typeof registryEnvSchema>;
export type HostConfig = z.output<typeof deployEnvSchema>;
export type DeployConfig = RegistryConfig & HostConfig;
export type ProxyConfig = HostConfig['proxy'];

/** The full reference of one image of a release, e.g. 127.0.0.1:5000/starter-api:0123456789ab. */
export function imageReference(config: RegistryConfig, image: ImageName, tag: string): string {
  return `${config.registry}/${config.repositories[image]}:${tag}`;
}
