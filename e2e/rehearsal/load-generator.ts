import { proxyRequest, type ProxyEndpoint } from './proxy-client';

export interface LoadReport {
  ok: number;
  failed: number;
  /** The first few failures, to explain them. */
  failures: string[];
  /** Which release answered (the proxy's X-Release header), in order of first appearance, with counts. */
  releases: Map<string, number>;
}

/**
 * A bounded load generator: `concurrency` loops GET `requestPath` of the proxy back to back (a
 * fresh connection, and over HTTPS a full handshake verifying the chain, each time, as distinct
 * clients would) until stopped or `maxRequests` have been sent.
 */
export function startLoad(
  endpoint: ProxyEndpoint,
  requestPath: string,
  {
    concurrency = 4,
    maxRequests = 50_000,
    pauseMs = 10,
    headers = {},
  }: {
    concurrency?: number;
    maxRequests?: number;
    pauseMs?: number;
    headers?: Record<string, string>;
  } = {},
) {
  const report: LoadReport = { ok: 0, failed: 0, failures: [], releases: new Map() };
  let stopped = false;
  let sent = 0;

  const request = async () => {
    try {
      const response = await proxyRequest(endpoint, requestPath, { headers });
      if (response.status !== 200)
        throw new Error(`HTTP ${response.status}: ${response.body.slice(0, 100)}`);
      const release = String(response.headers['x-release'] ?? '?');
      report.ok += 1;
      report.releases.set(release, (report.releases.get(release) ?? 0) + 1);
    } catch (error) {
      report.failed += 1;
      if (report.failures.length < 5)
        report.failures.push(`${new Date().toISOString()} ${(error as Error).message}`);
    }
  };

  const loop = async () => {
    while (!stopped && sent < maxRequests) {
      sent += 1;
      await request();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);

  return {
    async stop(): Promise<LoadReport> {
      stopped = true;
      await Promise.all(loops);
      return report;
    },
  };
}
