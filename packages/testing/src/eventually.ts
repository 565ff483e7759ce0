/**
 * Probes until `accept` holds, for state that announces no event (a job's state in Redis, a
 * port that stops accepting). Fails at its own deadline, naming what it waited for and the last
 * value seen, well before Jest's timeout would end the test without saying why.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 20_000, what = 'condition' }: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${what} not met within ${timeoutMs} ms; last seen: ${JSON.stringify(value)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
