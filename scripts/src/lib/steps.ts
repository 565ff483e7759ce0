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

/** Thrown instead of starting the next step once a stop was requested (a signal, a lost lock). */
export class StepsStoppedError extends Error {
  constructor(
    readonly reason: Error,
    /** The step that would have run next. */
    readonly before: string,
  ) {
    super(`stopped before "${before}": ${reason.message}`);
    this.name = 'StepsStoppedError';
  }
}

export function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)}s`;
}

/**
 * Runs steps in order; the first failure stops the sequence and is rethrown as StepFailedError.
 * `onStepEnd` hears the duration of every step run, the failed one included.
 * `stopRequested` is asked before each step: a reason stops the sequence there.
 */
export async function runSteps(
  steps: Step[],
  {
    dryRun,
    log = (line: string) => process.stdout.write(`${line}\n`),
    onStepStart,
    onStepEnd,
    stopRequested,
  }: {
    dryRun: boolean;
    log?: (line: string) => void;
    onStepStart?: (step: string) => void;
    onStepEnd?: (timing: StepTiming, succeeded: boolean) => void;
    stopRequested?: () => Error | undefined;
  },
): Promise<void> {
  for (const [index, step] of steps.entries()) {
    const label = `${index + 1}/${steps.length} ${step.name}`;
    if (dryRun) {
      log(`[dry-run] ${label}: ${step.plan}`);
      continue;
    }
    const stop = stopRequested?.();
    if (stop) throw new StepsStoppedError(stop, step.name);
    onStepStart?.(step.name);
    log(`▶ ${label}`);
    const started = performance.now();
    const finish = (mark: '✓' | '✗') => {
      const elapsed = performance.now() - started;
      onStepEnd?.({ step: step.name, seconds: elapsed / 1000 }, mark === '✓');
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
