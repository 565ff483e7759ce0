import { DEFAULT_JOB_POLICY, defaultJobOptions } from '../src';

/** The shortest time BullMQ's exponential backoff with jitter can spend between the attempts. */
function shortestRetrySpanMs(options = defaultJobOptions()): number {
  const backoff = options.backoff as { type: string; delay: number; jitter: number };
  expect(backoff.type).toBe('exponential');
  let total = 0;
  // BullMQ waits delay * 2^(n-1) before retry n, less up to `jitter` of it.
  for (let retry = 1; retry < options.attempts!; retry += 1) {
    total += Math.pow(2, retry - 1) * backoff.delay * (1 - backoff.jitter);
  }
  return total;
}

describe('default job policy', () => {
  it('keeps retrying through a two-minute database outage, even with the shortest jitter', () => {
    expect(shortestRetrySpanMs()).toBeGreaterThan(2 * 60_000);
  });

  it('still retries the first attempt quickly, for brief blips', () => {
    expect(DEFAULT_JOB_POLICY.backoffDelayMs).toBeLessThanOrEqual(1_000);
  });
});
