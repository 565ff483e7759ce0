import autocannon from 'autocannon';
import type { RunFigures } from './bench-results';

/**
 * One load measurement, run as its own process by the benchmark so that autocannon does not share
 * an event loop with the orchestrator. Reads a LoadSpec (JSON) from argv, prints RunFigures (JSON).
 */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Paths visited in turn; without them every request goes to the url's own path. */
  paths?: string[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

function run(spec: LoadSpec, seconds: number): Promise<autocannon.Result> {
  const paths = spec.paths;
  let next = 0;
  return autocannon({
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    connections: spec.connections,
    duration: seconds,
    requests: paths
      ? [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }]
      : undefined,
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  if (!spec.url.startsWith('http://127.0.0.1:')) {
    throw new Error(`the benchmark only loads 127.0.0.1, not ${spec.url}`);
  }
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
  const result = await run(spec, spec.seconds);
  const figures: RunFigures = {
    // Successful answers only: a fast stream of errors must not count as throughput.
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    // autocannon's errors already include timeouts.
    errors: result.errors + result.non2xx,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`load runner failed: ${(error as Error).message}\n`);
  process.exit(1);
});
