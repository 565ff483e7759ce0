import { ENVIRONMENT_OPTION, ENVIRONMENT_USAGE, parseVerbArgs, runMain } from '../lib/cli';
import { loadDeployConfig } from '../lib/load-config';
import { createRemote } from '../lib/ssh';
import { actorName } from './release-flow';
import { formatAuditLine } from './audit-log';
import { describeLease, unlock } from './deploy-lock';
import { hostLayout } from './host-layout';
import { ReleaseHost } from './release-host';

export const verb = {
  usage: 'pnpm deploy:unlock [--env <name>] [--force] [--dry-run]',
  description: [
    'Clears the deploy lock left by a deploy that died. A lease not renewed within its TTL',
    '(DEPLOY_LOCK_TTL_SECONDS) is expired and cleared; the next deploy would take it over anyway.',
    'A live lease is refused: its deploy is probably still running (see pnpm deploy:status).',
    '',
    '  --force        clear a live lease too: only when its deployer is gone for sure',
    ENVIRONMENT_USAGE,
  ].join('\n'),
  options: { force: { type: 'boolean', default: false }, ...ENVIRONMENT_OPTION },
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const config = loadDeployConfig(args.env);
  const { lock } = hostLayout(config);
  if (args.dryRun) {
    process.stdout.write(
      `[dry-run] would remove ${lock} on ${config.ssh.user}@${config.ssh.host} if its lease expired${args.force ? ', or if live (--force)' : ''}\n`,
    );
    return;
  }
  const remote = createRemote(config.ssh);
  try {
    const result = await unlock(remote, lock, { force: args.force === true });
    if (result.state === 'free') {
      process.stdout.write('The deploy lock was not held.\n');
      return;
    }
    const holder = describeLease(result.lease);
    if (result.state === 'live') {
      throw new Error(
        `the deploy lock is a live lease: ${holder}. Its deploy is probably still running; if its deployer is gone for sure, pass --force`,
      );
    }
    await new ReleaseHost(remote, config).audit(
      formatAuditLine({
        actor: actorName(config),
        action: 'unlock',
        ...(args.force ? { force: 'yes' } : {}),
        cleared: holder,
      }),
    );
    process.stdout.write(`Cleared the deploy lock held by ${holder}\n`);
  } finally {
    remote.close();
  }
});
