import http from 'node:http';

export interface LoadReport {
  ok: number;
  failed: number;
  /** The first few failures, to explain them. */
  failures: string[];
  /** Which release answered (the proxy's X-Release header), in order of first appearance, with counts. */
  releases: Map<string, number>;
}

/**
 * A bounded load generator: `concurrency` loops GET `url` back to back (a fresh connection each
 * time, as distinct clients would) until stopped or `maxRequests` have been sent.
 */
export function startLoad(
  url: string,
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

  const request = () =>
    new Promise<void>((resolve) => {
      const fail = (reason: string) => {
        report.failed += 1;
        if (report.failures.length < 5)
          report.failures.push(`${new Date().toISOString()} ${reason}`);
        resolve();
      };
      const outgoing = http.get(url, { agent: false, timeout: 5000, headers }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('error', (error) => fail(error.message));
        response.on('end', () => {
          if (response.statusCode !== 200)
            return fail(`HTTP ${response.statusCode}: ${body.slice(0, 100)}`);
          const release = String(response.headers['x-release'] ?? '?');
          report.ok += 1;
          report.releases.set(release, (report.releases.get(release) ?? 0) + 1);
          resolve();
        });
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
      outgoing.on('error', (error) => fail(error.message));
    });

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
