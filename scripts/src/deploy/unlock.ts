import { parseVerbArgs, runMain } from '../lib/cli';
import { loadDeployConfig } from '../lib/load-config';
import { createRemote } from '../lib/ssh';
import { actorName } from './release-flow';
import { formatAuditLine } from './audit-log';
import { forceUnlock } from './deploy-lock';
import { hostLayout } from './host-layout';
import { ReleaseHost } from './release-host';

export const verb = {
  usage: 'pnpm deploy:unlock [--dry-run]',
  description: [
    'Clears a stale deploy lock (left by a deploy whose machine died). Check with pnpm deploy:status',
    'that no deploy is running first: the lock is removed whoever holds it.',
  ].join('\n'),
  options: {},
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const config = loadDeployConfig();
  const { lock } = hostLayout(config);
  if (args.dryRun) {
    process.stdout.write(
      `[dry-run] would remove ${lock} on ${config.ssh.user}@${config.ssh.host}\n`,
    );
    return;
  }
  const remote = createRemote(config.ssh);
  try {
    const holder = await forceUnlock(remote, lock);
    if (!holder) {
      process.stdout.write('The deploy lock was not held.\n');
      return;
    }
    await new ReleaseHost(remote, config).audit(
      formatAuditLine({ actor: actorName(config), action: 'unlock', cleared: holder }),
    );
    process.stdout.write(`Cleared the deploy lock held by ${holder}\n`);
  } finally {
    remote.close();
  }
});
