import { IMAGES } from '@starter/config';

/** The parts of a compose file (raw YAML or `docker compose config --format json`) checked here. */
export interface ComposeService {
  image?: string;
  ports?: Array<string | { target: number; published?: string | number }>;
  environment?: Record<string, string | number | null>;
  stop_grace_period?: string;
  healthcheck?: { disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Only the API is reachable from the host; PostgreSQL and Redis never are. */
const PUBLISHED = { api: [3000] } as const satisfies Record<string, number[]>;
const APP_IMAGES = { api: 'api', migrate: 'api', worker: 'worker' } as const;
const REQUIRED_SERVICES = ['postgres', 'redis', 'migrate', 'api', 'worker'] as const;

function containerPort(port: string | { target: number }): number {
  if (typeof port !== 'string') return port.target;
  return Number(port.split(':').at(-1)?.split('/')[0]);
}

/** Seconds in a compose duration such as `35s`, `1m30s` or `500ms`. */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== duration) {
    throw new Error(`not a compose duration: "${duration}"`);
  }
  const unitSeconds = { h: 3600, m: 60, s: 1, ms: 0.001 } as const;
  return parts.reduce(
    (total, [, value, unit]) =>
      total + Number(value) * unitSeconds[unit as keyof typeof unitSeconds],
    0,
  );
}

/** Every way the local stack departs from what issue 4 asks of it; empty when it complies. */
export function composeProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const { services } = compose;

  for (const name of REQUIRED_SERVICES) {
    if (!services[name]) problems.push(`service "${name}" is missing`);
  }

  for (const [name, service] of Object.entries(services)) {
    const allowed: readonly number[] = PUBLISHED[name as keyof typeof PUBLISHED] ?? [];
    for (const port of service.ports ?? []) {
      if (!allowed.includes(containerPort(port))) {
        problems.push(`service "${name}" publishes port ${containerPort(port)} on the host`);
      }
    }
    if (name !== 'migrate' && service.healthcheck?.disable) {
      problems.push(`service "${name}" has no healthcheck`);
    }
  }

  for (const [name, image] of Object.entries(APP_IMAGES)) {
    const repository = IMAGES[image].repository;
    if (!services[name]?.image?.startsWith(`${repository}:`)) {
      problems.push(`service "${name}" must run the ${repository} image`);
    }
  }

  for (const name of ['api', 'worker']) {
    if (services[name]?.depends_on?.migrate?.condition !== 'service_completed_successfully') {
      problems.push(`service "${name}" must start only after migrate completed successfully`);
    }
  }

  const worker = services.worker;
  const drain = Number(worker?.environment?.WORKER_DRAIN_TIMEOUT_SECONDS);
  const grace = worker?.stop_grace_period ? durationSeconds(worker.stop_grace_period) : 10;
  if (!(drain > 0) || grace <= drain) {
    problems.push(
      `worker stop_grace_period (${grace}s) must exceed WORKER_DRAIN_TIMEOUT_SECONDS (${drain}s)`,
    );
  }
  return problems;
}
