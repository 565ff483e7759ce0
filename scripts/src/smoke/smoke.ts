import { formatSeconds, runSteps, StepFailedError, type Step } from '../lib/steps';
import { ENVIRONMENT_OPTION, ENVIRONMENT_USAGE, parseVerbArgs, runMain } from '../lib/cli';
import { loadDeployConfig } from '../lib/load-config';
import { createRemote } from '../lib/ssh';
import { formatAuditLine } from '../deploy/audit-log';
import { CHECKS_ACTION, CHECKS_FAILED, CHECKS_PASSED } from '../deploy/promotion';
import { actorName } from '../deploy/release-flow';
import { ReleaseHost } from '../deploy/release-host';
import { SMOKE_CHECKS, smokeContext } from './smoke-checks';

export const verb = {
  usage: 'pnpm run smoke [--env <name>] [--url <url>] [--dry-run]',
  description: [
    "Runs the checks of scripts/src/smoke/smoke-checks.ts against the environment's public URL",
    '(DEPLOY_URL; register, log in, create an item, see it done) and records the result with the',
    "live release in the host's audit log (action=checks): pnpm run promote refuses a release",
    'whose last checks failed, or that has none.',
    '',
    '  --url <url>      check this URL instead of DEPLOY_URL (it must serve the live release)',
    '                   (a certificate from a private CA: NODE_EXTRA_CA_CERTS=<its root>.pem)',
    ENVIRONMENT_USAGE,
  ].join('\n'),
  options: { url: { type: 'string' }, ...ENVIRONMENT_OPTION },
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const config = loadDeployConfig(args.env);
  const url = (args.url ?? config.url).replace(/\/$/, '');
  const context = smokeContext(url);
  let current: string | undefined;
  const steps: Step[] = [
    {
      name: 'the live release answers',
      plan: `GET /health/ready at ${url} answered (X-Release) by the release ${config.dir}/current names`,
      run: async () => {
        const { headers } = await context.request('GET', '/health/ready', 200);
        const release = headers.get('x-release');
        if (release !== current) {
          throw new Error(
            `${url} is answered by release ${release ?? '(no X-Release header)'}, not by the live ${current}`,
          );
        }
      },
    },
    ...SMOKE_CHECKS.map((check) => ({
      name: check.name,
      plan: `against ${url}`,
      run: () => check.run(context),
    })),
  ];
  if (args.dryRun) {
    process.stdout.write(
      `[dry-run] would read the live release on ${config.ssh.user}@${config.ssh.host} (${config.dir}/current), run the checks, append action=${CHECKS_ACTION} to ${config.dir}/audit.log\n`,
    );
    await runSteps(steps, { dryRun: true });
    return;
  }
  const remote = createRemote(config.ssh);
  try {
    const host = new ReleaseHost(remote, config);
    current = (await host.readState()).current;
    if (!current) throw new Error(`nothing is live on ${remote.destination}: deploy first`);
    process.stdout.write(`Checking ${current} at ${url}\n`);
    const started = performance.now();
    let failed: StepFailedError | undefined;
    try {
      await runSteps(steps, { dryRun: false });
    } catch (error) {
      if (!(error instanceof StepFailedError)) throw error;
      failed = error;
    }
    await host.audit(
      formatAuditLine({
        actor: actorName(config),
        action: CHECKS_ACTION,
        ...(config.environment ? { env: config.environment } : {}),
        release: current,
        result: failed ? CHECKS_FAILED : CHECKS_PASSED,
        ...(failed ? { failed: failed.step } : {}),
        url,
        duration: formatSeconds(performance.now() - started),
      }),
    );
    if (failed)
      throw new Error(
        `the checks of ${current} failed at "${failed.step}": ${failed.cause instanceof Error ? failed.cause.message : String(failed.cause)}`,
      );
    process.stdout.write(`All ${steps.length} checks of ${current} passed; recorded on the host\n`);
  } finally {
    remote.close();
  }
});
