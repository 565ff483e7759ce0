import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { renderSummary } from '../src/ci/job-summary';
import { readStepTimings } from '../src/lib/step-timings';
import { REPO_ROOT } from './workflow-files';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('ci:summary', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'job-summary-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("shows a promotion's environments, its source's record and the digests both run", () => {
    const api = `sha256:${'a'.repeat(64)}`;
    const worker = `sha256:${'b'.repeat(64)}`;
    const markdown = renderSummary({
      title: 'Promote',
      sha: SHA,
      result: 'success',
      url: 'https://app.example.com',
      timings: [{ step: 'switch api', seconds: 2 }],
      release: {
        environment: 'production',
        tag: '0123456789ab',
        commit: SHA,
        digests: { api, worker },
        promotedFrom: {
          environment: 'staging',
          liveSince: '2026-01-01T12:00:00.000Z',
          checks: 'passed at 2026-01-01T12:01:00.000Z',
        },
      },
    });
    expect(markdown).toContain(
      [
        '- Environment: production',
        '- Promoted from staging: live there since 2026-01-01T12:00:00.000Z, checks passed at 2026-01-01T12:01:00.000Z',
        '',
        '| Image | staging | production |',
        '| --- | --- | --- |',
        `| api | \`${api}\` | \`${api}\` |`,
        `| worker | \`${worker}\` | \`${worker}\` |`,
        '',
        '| Step | Duration |',
      ].join('\n'),
    );
  });

  it('reports commit, result, URL and each step with the total', () => {
    const markdown = renderSummary({
      title: 'Deploy',
      sha: SHA,
      result: 'success',
      url: 'https://app.example.com',
      timings: [
        { step: 'pull images', seconds: 12.34 },
        { step: 'migrate', seconds: 3 },
      ],
    });
    expect(markdown).toBe(
      [
        '## ✅ Deploy 0123456789ab: success',
        '',
        `- Commit: \`${SHA}\``,
        '- URL: https://app.example.com',
        '',
        '| Step | Duration |',
        '| --- | ---: |',
        '| pull images | 12.3 s |',
        '| migrate | 3.0 s |',
        '| **Total** | **15.3 s** |',
        '',
      ].join('\n'),
    );
  });

  it('says so when the run stopped before recording a step', () => {
    const markdown = renderSummary({
      title: 'Rollback',
      sha: SHA,
      result: 'failure',
      url: 'u',
      timings: undefined,
    });
    expect(markdown).toContain('## ❌ Rollback 0123456789ab: failure');
    expect(markdown).toContain('No step timings were recorded');
  });

  it('rejects a malformed timings file instead of printing a wrong report', () => {
    const file = path.join(dir, 'timings.json');
    writeFileSync(file, JSON.stringify([{ step: 'pull', duration: 3 }]));
    expect(() => readStepTimings(file)).toThrow('is not a list of { step, seconds }');
  });

  it('appends to $GITHUB_STEP_SUMMARY when run as a script', async () => {
    const timings = path.join(dir, 'timings.json');
    const summary = path.join(dir, 'summary.md');
    writeFileSync(timings, JSON.stringify([{ step: 'switch release', seconds: 1.5 }]));
    writeFileSync(summary, '# before\n');
    await $({
      cwd: REPO_ROOT,
      quiet: true,
      env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
    })`pnpm run --silent ci:summary --sha ${SHA} --result success --url https://x.test --timings ${timings}`;
    const written = readFileSync(summary, 'utf8');
    expect(written.startsWith('# before\n## ✅ Deploy 0123456789ab: success')).toBe(true);
    expect(written).toContain('| switch release | 1.5 s |');
  });
});
