import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const PACKAGE_DIR = path.join(__dirname, '..');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: {
    ruleId: string;
    severity: string;
    message: string;
    location: { pointer: string }[];
  }[];
}

/** Runs Redocly CLI with redocly.yaml; with telemetry off it opens no network connection. */
async function lint(document: string): Promise<LintReport> {
  const run = await promisify(execFile)(
    path.join(PACKAGE_DIR, 'node_modules/.bin/redocly'),
    ['lint', document, '--format=json'],
    {
      cwd: PACKAGE_DIR,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return JSON.parse(run.stdout) as LintReport;
}

describe('openapi.json', () => {
  it('passes the OpenAPI linter (Redocly, recommended rules) without a problem', async () => {
    const report = await lint('openapi.json');

    const problems = report.problems.map(
      ({ severity, ruleId, message, location }) =>
        `${severity} ${ruleId} at ${location[0]?.pointer}: ${message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
