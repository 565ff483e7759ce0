/**
 * Reads BuildKit's `--progress=plain` output. Each step is announced as `#<n> [stage i/n] <command>`
 * and finishes with `#<n> CACHED` when its layer was reused.
 */
export interface BuildStep {
  id: string;
  title: string;
  cached: boolean;
}

const STEP_TITLE = /^#(\d+) (\[.+)$/;

export function buildSteps(log: string): BuildStep[] {
  const lines = log.split('\n');
  const steps = new Map<string, BuildStep>();
  for (const line of lines) {
    const title = STEP_TITLE.exec(line);
    if (title?.[1] && title[2] && !steps.has(title[1])) {
      steps.set(title[1], { id: title[1], title: title[2], cached: false });
    }
  }
  for (const line of lines) {
    const cached = /^#(\d+) CACHED\s*$/.exec(line);
    const step = cached?.[1] ? steps.get(cached[1]) : undefined;
    if (step) step.cached = true;
  }
  return [...steps.values()];
}

/** The one step whose command contains `fragment`; throws if none or several match. */
export function findStep(log: string, fragment: string): BuildStep {
  const matches = buildSteps(log).filter((step) => step.title.includes(fragment));
  if (matches.length !== 1) {
    throw new Error(`expected one build step containing "${fragment}", found ${matches.length}`);
  }
  return matches[0]!;
}
