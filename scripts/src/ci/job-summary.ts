/**
 * pnpm run ci:summary — the deploy or rollback report: commit, result, URL and the duration of
 * each step. Appends Markdown to $GITHUB_STEP_SUMMARY on GitHub Actions, prints it elsewhere.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { IMAGE_TAG_LENGTH } from '@starter/config';

/** Written by the deploy and rollback scripts as they go: [{ "step": "...", "seconds": 1.2 }]. */
export const DEFAULT_TIMINGS_FILE = '.deploy/step-timings.json';

export interface StepTiming {
  step: string;
  seconds: number;
}

export interface SummaryInput {
  title: string;
  sha: string;
  result: string;
  url: string;
  timings: StepTiming[] | undefined;
}

export function renderSummary({ title, sha, result, url, timings }: SummaryInput): string {
  const icon = result === 'success' ? '✅' : '❌';
  const lines = [
    `## ${icon} ${title} ${sha.slice(0, IMAGE_TAG_LENGTH)}: ${result}`,
    '',
    `- Commit: \`${sha}\``,
    `- URL: ${url}`,
    '',
  ];
  if (!timings || timings.length === 0) {
    lines.push('No step timings were recorded: the run stopped before its first step.');
  } else {
    const total = timings.reduce((sum, { seconds }) => sum + seconds, 0);
    lines.push('| Step | Duration |', '| --- | ---: |');
    for (const { step, seconds } of timings) lines.push(`| ${step} | ${seconds.toFixed(1)} s |`);
    lines.push(`| **Total** | **${total.toFixed(1)} s** |`);
  }
  return `${lines.join('\n')}\n`;
}

export function readTimings(file: string): StepTiming[] | undefined {
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

function main(): void {
  const { values } = parseArgs({
    options: {
      title: { type: 'string', default: 'Deploy' },
      sha: { type: 'string' },
      result: { type: 'string' },
      url: { type: 'string' },
      timings: { type: 'string', default: DEFAULT_TIMINGS_FILE },
    },
    strict: true,
  });
  const { sha, result, url } = values;
  if (!sha || !result || !url)
    throw new Error('Usage: pnpm run ci:summary --sha <sha> --result <result> --url <url>');
  const markdown = renderSummary({
    title: values.title,
    sha,
    result,
    url,
    timings: readTimings(values.timings),
  });
  const target = process.env.GITHUB_STEP_SUMMARY;
  if (target) appendFileSync(target, markdown);
  else process.stdout.write(markdown);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`ci:summary failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
