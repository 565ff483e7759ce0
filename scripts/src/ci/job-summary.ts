/**
 * pnpm run ci:summary — the deploy or rollback report: commit, result, URL and the duration of
 * each step. Appends Markdown to $GITHUB_STEP_SUMMARY on GitHub Actions, prints it elsewhere.
 */
import { appendFileSync } from 'node:fs';
import { IMAGE_TAG_LENGTH } from '@starter/config';
import { parseVerbArgs, runMain } from '../lib/cli';
import { readStepTimings, STEP_TIMINGS_FILE, type StepTiming } from '../lib/step-timings';
import {
  readReleaseRecord,
  RELEASE_RECORD_FILE,
  type ReleaseRecord,
} from '../deploy/release-record';

export const verb = {
  usage:
    'pnpm run ci:summary --sha <sha> --result <result> --url <url> [--title <title>] [--timings <file>] [--dry-run]',
  description: [
    'Renders the deploy or rollback report from the step timings the run recorded.',
    '',
    '  --result <result>  the outcome of the deploy step (success, failure, cancelled, skipped)',
    '  --title <title>    Deploy (default), Rollback, Promote, …',
    `  --timings <file>   default: ${STEP_TIMINGS_FILE}`,
    `  --release <file>   the environment and digests the deploy recorded; default: ${RELEASE_RECORD_FILE}`,
    '  --dry-run          print the report instead of appending it to $GITHUB_STEP_SUMMARY',
  ].join('\n'),
  options: {
    title: { type: 'string' },
    sha: { type: 'string' },
    result: { type: 'string' },
    url: { type: 'string' },
    timings: { type: 'string' },
    release: { type: 'string' },
  },
} as const;

export interface SummaryInput {
  title: string;
  sha: string;
  result: string;
  url: string;
  timings: StepTiming[] | undefined;
  /** The environment, the digests and a promotion's source, when the run got that far. */
  release?: ReleaseRecord | undefined;
}

export function renderSummary({ title, sha, result, url, timings, release }: SummaryInput): string {
  const icon = result === 'success' ? '✅' : '❌';
  const lines = [
    `## ${icon} ${title} ${sha.slice(0, IMAGE_TAG_LENGTH)}: ${result}`,
    '',
    `- Commit: \`${sha}\``,
    `- URL: ${url}`,
    ...(release?.environment ? [`- Environment: ${release.environment}`] : []),
    ...(release?.promotedFrom
      ? [
          `- Promoted from ${release.promotedFrom.environment}: live there since ${release.promotedFrom.liveSince}, checks ${release.promotedFrom.checks}`,
        ]
      : []),
    '',
  ];
  if (release) {
    const environments = [release.promotedFrom?.environment, release.environment ?? 'host'].filter(
      (name): name is string => Boolean(name),
    );
    lines.push(
      `| Image | ${environments.join(' | ')} |`,
      `| --- |${' --- |'.repeat(environments.length)}`,
      ...Object.entries(release.digests).map(
        ([image, digest]) => `| ${image} |${` \`${digest}\` |`.repeat(environments.length)}`,
      ),
      '',
    );
  }
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

runMain(module, () => {
  const args = parseVerbArgs(verb);
  const { sha, result, url } = args;
  if (!sha || !result || !url) throw new Error(`Usage: ${verb.usage}`);
  const markdown = renderSummary({
    title: args.title ?? 'Deploy',
    sha,
    result,
    url,
    timings: readStepTimings(args.timings),
    release: readReleaseRecord(args.release),
  });
  const target = process.env.GITHUB_STEP_SUMMARY;
  if (target && !args.dryRun) appendFileSync(target, markdown);
  else process.stdout.write(markdown);
  return Promise.resolve();
});
