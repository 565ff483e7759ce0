import type { StepTiming } from './step-timings';

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

/**
 * Runs steps in order; the first failure stops the sequence and is rethrown as StepFailedError.
 * `onStepEnd` hears the duration of every step run, the failed one included.
 */
export async function runSteps(
  steps: Step[],
  {
    dryRun,
    log = (line: string) => process.stdout.write(`${line}\n`),
    onStepEnd,
  }: { dryRun: boolean; log?: (line: string) => void; onStepEnd?: (timing: StepTiming) => void },
): Promise<void> {
  for (const [index, step] of steps.entries()) {
    const label = `${index + 1}/${steps.length} ${step.name}`;
    if (dryRun) {
      log(`[dry-run] ${label}: ${step.plan}`);
      continue;
    }
    log(`▶ ${label}`);
    const started = performance.now();
    const finish = (mark: string) => {
      const elapsed = performance.now() - started;
      onStepEnd?.({ step: step.name, seconds: elapsed / 1000 });
      log(`${mark} ${label} (${formatSeconds(elapsed)})`);
    };
    try {
      await step.run();
    } catch (error) {
      finish('✗');
      throw error instanceof StepFailedError ? error : new StepFailedError(step.name, error);
    }
    finish('✓');
  }
}
