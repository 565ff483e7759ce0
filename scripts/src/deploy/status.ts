import { ENVIRONMENT_OPTION, ENVIRONMENT_USAGE, parseVerbArgs, runMain } from '../lib/cli';
import { loadDeployConfig } from '../lib/load-config';
import { createRemote } from '../lib/ssh';
import { ReleaseHost } from './release-host';

export const verb = {
  usage: 'pnpm deploy:status [--env <name>] [--dry-run]',
  description: [
    'Prints the live and previous release, the release manifest the live one was deployed from (commit,',
    'digests, build, CI run), the containers and their health, the deploy lock and the last audit lines.',
    '',
    ENVIRONMENT_USAGE,
  ].join('\n'),
  options: { ...ENVIRONMENT_OPTION },
} as const;

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  const config = loadDeployConfig(args.env);
  if (args.dryRun) {
    process.stdout.write(
      `[dry-run] would read ${config.dir}/{current,previous,lock,audit.log} and docker ps on ${config.ssh.user}@${config.ssh.host}\n`,
    );
    return;
  }
  const remote = createRemote(config.ssh);
  try {
    process.stdout.write(await new ReleaseHost(remote, config).status());
  } finally {
    remote.close();
  }
});
