/** One step of a verb: printed with its duration, or only described under --dry-run. */
export interface Step {
  name: string;
  /** What the step does, printed by --dry-run. */
  plan: string;
  run: () => Promise<void>;
}

export class StepFailedError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StepFailedError';
  }
}

export function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)}s`;
}

/** Runs steps in order; the first failure stops the sequence and is rethrown as StepFailedError. */
export async function runSteps(
  steps: Step[],
  {
    dryRun,
    log = (line: string) => process.stdout.write(`${line}\n`),
  }: { dryRun: boolean; log?: (line: string) => void },
): Promise<void> {
  for (const [index, step] of steps.entries()) {
    const label = `${index + 1}/${steps.length} ${step.name}`;
    if (dryRun) {
      log(`[dry-run] ${label}: ${step.plan}`);
      continue;
    }
    log(`▶ ${label}`);
    const started = performance.now();
    try {
      await step.run();
    } catch (error) {
      log(`✗ ${label} (${formatSeconds(performance.now() - started)})`);
      throw error instanceof StepFailedError ? error : new StepFailedError(step.name, error);
    }
    log(`✓ ${label} (${formatSeconds(performance.now() - started)})`);
  }
}
