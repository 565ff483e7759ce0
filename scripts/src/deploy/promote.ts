import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployConfig } from '@starter/config';
import { parseVerbArgs, runMain } from '../lib/cli';
import { commitTag, isDirtyTag } from '../lib/git';
import { loadDeployConfig } from '../lib/load-config';
import { REPO_ROOT } from '../lib/repo-root';
import { createRemote } from '../lib/ssh';
import { runSteps } from '../lib/steps';
import type { ReleaseManifest } from '../release/release-manifest';
import { runDeploy } from './deploy';
import {
  promotionRefusals,
  secondsUntilBaked,
  sourceRecord,
  type Refusal,
  type SourceRecord,
} from './promotion';
import { ReleaseHost } from './release-host';

export const verb = {
  usage:
    'pnpm run promote --from <env> --to <env> [--sha <sha>] [--force] [--wait] [--context <dir>] [--dry-run]',
  description: [
    'Deploys to one environment the very images another one runs: the digests the source has live',
    '(or had, with --sha), checked against the release manifest in the registry; nothing is built.',
    "Reads the source host's audit log over ssh and refuses a release that never went live there,",
    'that failed its checks there (pnpm run smoke) or has none, whose services are not healthy',
    'there, or that served there for less than the bake time (DEPLOY_PROMOTE_BAKE_SECONDS of the',
    'target, default 600). Then deploys as pnpm run deploy does, audited on the target as promote.',
    '',
    '  --from <env>     the source environment (infra/environments.json), e.g. staging',
    '  --to <env>       the target environment, e.g. production',
    "  --sha <sha>      the release to promote; default: the source's live release",
    '  --force          promote despite failed or missing checks, bad health or a short bake',
    '                   (audited with the reasons); a release the source never ran is refused',
    '  --wait           when the bake time is all that is missing, wait for it, then check again',
    '  --context <dir>  the checkout the release was built from (its history orders releases)',
  ].join('\n'),
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    sha: { type: 'string' },
    force: { type: 'boolean', default: false },
    wait: { type: 'boolean', default: false },
    context: { type: 'string' },
  },
} as const;

const BAKE_REFUSAL = /less than the bake time/;

function location(config: DeployConfig): string {
  return `${config.ssh.user}@${config.ssh.host}:${config.ssh.port}${config.dir}`;
}

/** What the source says about the release: its manifest as deployed there, and every refusal. */
async function assessSource(
  host: ReleaseHost,
  source: string,
  sha: string | undefined,
  bakeSeconds: number,
): Promise<{
  tag: string;
  record: SourceRecord | undefined;
  manifest: ReleaseManifest | undefined;
  refusals: Refusal[];
}> {
  const state = await host.readState();
  const tag = sha ? (isDirtyTag(sha) ? sha : commitTag(sha)) : state.current;
  if (!tag) throw new Error(`${source} has no live release to promote`);
  const record = sourceRecord(await host.auditLog(), tag, new Date());
  const refusals = promotionRefusals(source, record, tag, bakeSeconds);
  if (record) {
    process.stdout.write(
      `  ${tag} live on ${source} since ${record.liveSince.toISOString()}${record.liveUntil ? ` until ${record.liveUntil.toISOString()}` : ''} (${record.servedSeconds}s); checks: ${record.checks ? `${record.checks.result} at ${record.checks.time}` : 'none'}\n`,
    );
  }
  if (record && state.current === tag) {
    const health = await host.serviceHealth(tag);
    for (const [service, status] of Object.entries(health)) {
      if (status !== 'running healthy') {
        refusals.push({
          reason: `the ${service} of ${tag} on ${source} is ${status}, not running healthy`,
          overridable: true,
        });
      }
    }
  }
  const manifest = record ? await host.recordedManifest(tag) : undefined;
  if (record && !manifest) {
    refusals.push({
      reason: `${source} no longer keeps ${tag}'s files (release.json): the digests it ran are unknown`,
      overridable: false,
    });
  }
  return { tag, record, manifest, refusals };
}

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  if (!args.from || !args.to) throw new Error(`Usage: ${verb.usage}`);
  if (args.from === args.to) throw new Error('--from and --to name the same environment');
  const source = loadDeployConfig(args.from);
  const target = loadDeployConfig(args.to);
  if (location(source) === location(target)) {
    throw new Error(
      `${args.from} and ${args.to} are the same deployment (${location(target)}): give each its own host, DEPLOY_APP or DEPLOY_DIR`,
    );
  }
  const checkout = path.resolve(args.context ?? REPO_ROOT);
  const bakeSeconds = target.promoteBakeSeconds;
  let assessed: Awaited<ReturnType<typeof assessSource>> | undefined;

  await runSteps(
    [
      {
        name: `${args.from} record`,
        plan: `over ssh to ${location(source)}: the live release (or --sha), its last go-live and checks in audit.log, its services' health, its release.json (the digests it runs); refused unless it passed its checks and served ${bakeSeconds}s${args.force ? ' (--force: refusals are overridden, audited)' : ''}`,
        run: async () => {
          const remote = createRemote(source.ssh);
          const host = new ReleaseHost(remote, source);
          try {
            for (;;) {
              assessed = await assessSource(host, args.from!, args.sha, bakeSeconds);
              const { refusals } = assessed;
              const waitable =
                args.wait === true &&
                refusals.length > 0 &&
                refusals.every((refusal) => BAKE_REFUSAL.test(refusal.reason));
              if (!waitable) break;
              const seconds = assessed.record ? secondsUntilBaked(assessed.record, bakeSeconds) : 0;
              if (seconds === 0) break;
              process.stdout.write(`  waiting ${seconds}s for the bake time (--wait)\n`);
              await sleep(seconds * 1000);
            }
          } finally {
            remote.close();
          }
          const { refusals } = assessed;
          const blocking = refusals.filter((refusal) => !refusal.overridable || !args.force);
          if (blocking.length > 0) {
            throw new Error(
              `refusing to promote ${assessed.tag} from ${args.from} to ${args.to}:\n${refusals.map((refusal) => `  - ${refusal.reason}${refusal.overridable ? '' : ' (not overridable)'}`).join('\n')}${blocking.every((refusal) => refusal.overridable) ? '\n  --force promotes it anyway (audited)' : ''}`,
            );
          }
          for (const refusal of refusals) process.stderr.write(`! --force: ${refusal.reason}\n`);
        },
      },
    ],
    { dryRun: args.dryRun },
  );

  const tag = assessed?.tag ?? args.sha ?? `<live release of ${args.from}>`;
  await runDeploy({
    action: 'promote',
    config: target,
    tag,
    checkout,
    allowOlder: false,
    dryRun: args.dryRun,
    expectedDigests: () => assessed!.manifest!.digests,
    promotedFrom: () => ({
      environment: args.from!,
      liveSince: assessed!.record!.liveSince.toISOString(),
      checks: assessed!.record!.checks
        ? `${assessed!.record!.checks.result} at ${assessed!.record!.checks.time}`
        : 'none',
    }),
    checks: (context) => [
      {
        name: 'promotion',
        plan: `the release manifest in the registry must list the digests ${args.from} runs; the audit line names ${args.from}${args.force ? ' and the overridden refusals' : ''}`,
        run: () => {
          Object.assign(context.auditFields, {
            from: args.from!,
            ...(assessed && assessed.refusals.length > 0
              ? { forced: assessed.refusals.map((refusal) => refusal.reason).join('; ') }
              : {}),
          });
          return Promise.resolve();
        },
      },
    ],
  });
});
