import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './repo-root';

/**
 * Where deploy and rollback record how long each step took, for `pnpm run ci:summary`. Rewritten
 * after every step, so a run that dies midway still leaves the steps it finished.
 */
export const STEP_TIMINGS_FILE = path.join(REPO_ROOT, '.deploy/step-timings.json');

export interface StepTiming {
  step: string;
  seconds: number;
}

export function writeStepTimings(timings: StepTiming[], file = STEP_TIMINGS_FILE): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(timings, null, 2)}\n`);
}

/** The recorded timings, or undefined when no run wrote any. */
export function readStepTimings(file = STEP_TIMINGS_FILE): StepTiming[] | undefined {
  if (!existsSync(file)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (
    !Array.isArray(parsed) ||
    !parsed.every(
      (entry: unknown) =>
        typeof (entry as StepTiming)?.step === 'string' &&
        typeof (entry as StepTiming)?.seconds === 'number',
    )
  ) {
    throw new Error(`${file} is not a list of { step, seconds }`);
  }
  return parsed as StepTiming[];
}
