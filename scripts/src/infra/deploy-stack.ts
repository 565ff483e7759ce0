/**
 * pnpm run infra:deploy — creates or updates the AWS stack (infra/aws/stack.yaml) and prints the
 * GitHub variables and secrets that turn on automatic deploys.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { $ } from 'zx';
import {
  formatGitHubSettings,
  githubSettings,
  parseGitHubRepository,
  stackParameters,
} from './stack-config';
import { deployStack } from './stack-deployer';

const TEMPLATE_PATH = path.resolve(__dirname, '../../../infra/aws/stack.yaml');

const USAGE = `Usage: pnpm run infra:deploy [options]

Creates or updates the CloudFormation stack of infra/aws/stack.yaml through a change set:
ECR repositories, the GitHub OIDC deploy role and, unless --no-host, an EC2 Docker host.
Uses the AWS credentials and region of your environment (AWS_PROFILE, AWS_REGION, ...).

Options:
  --stack-name <name>          stack name (default: <app>-production)
  --region <region>            AWS region (default: from the environment)
  --app <name>                 application name: SSM path /<app>/production/, /srv/<app> (default: starter)
  --github-repo <owner/name>   repository allowed to deploy (default: from the git remote origin)
  --repository-prefix <text>   prefix of the ECR repository names (default: none)
  --existing-oidc-provider     the account already has GitHub's OIDC provider: do not create it
  --no-host                    create no EC2 host (you deploy to a server of your own)
  --ssh-public-key <file>      public key of the deploy user (required with a host)
  --ssh-cidr <cidr>            network allowed to reach SSH (required with a host)
  --instance-type <type>       host instance type (default: t3.small)
  --vpc-id <id> --subnet-id <id>  where the host goes (default: the default VPC)
  --dry-run                    show the change set, then delete it without applying it
  --help                       show this help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'stack-name': { type: 'string' },
      region: { type: 'string' },
      app: { type: 'string', default: 'starter' },
      'github-repo': { type: 'string' },
      'repository-prefix': { type: 'string', default: '' },
      'existing-oidc-provider': { type: 'boolean', default: false },
      'no-host': { type: 'boolean', default: false },
      'ssh-public-key': { type: 'string' },
      'ssh-cidr': { type: 'string' },
      'instance-type': { type: 'string' },
      'vpc-id': { type: 'string' },
      'subnet-id': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }

  const withHost = !values['no-host'];
  if (withHost && (!values['ssh-public-key'] || !values['ssh-cidr'])) {
    throw new Error(
      'A host needs --ssh-public-key <file> and --ssh-cidr <cidr> (or pass --no-host).',
    );
  }
  const githubRepository =
    values['github-repo'] ??
    parseGitHubRepository((await $`git remote get-url origin`.quiet()).stdout);
  const stackName = values['stack-name'] ?? `${values.app}-production`;
  const client = new CloudFormationClient(values.region ? { region: values.region } : {});
  console.log(
    `Stack ${stackName} in ${await client.config.region()}, deployable from ${githubRepository}`,
  );

  const result = await deployStack({
    client,
    stackName,
    templateBody: readFileSync(TEMPLATE_PATH, 'utf8'),
    dryRun: values['dry-run'],
    parameters: stackParameters({
      appName: values.app,
      githubRepository,
      repositoryPrefix: values['repository-prefix'],
      createOidcProvider: !values['existing-oidc-provider'],
      host: withHost
        ? {
            sshPublicKey: readFileSync(values['ssh-public-key'] as string, 'utf8').trim(),
            sshAllowedCidr: values['ssh-cidr'] as string,
            instanceType: values['instance-type'],
            vpcId: values['vpc-id'],
            subnetId: values['subnet-id'],
          }
        : undefined,
    }),
  });
  if (result.outcome === 'dry-run') return;

  console.log(`\nStack ${stackName} ${result.outcome}. Outputs:`);
  for (const [key, value] of Object.entries(result.outputs)) console.log(`  ${key} = ${value}`);
  console.log('\nNow tell GitHub (see README, Deploying):');
  const settings = githubSettings(result.outputs, {
    appName: values.app,
    repositoryPrefix: values['repository-prefix'],
  });
  for (const line of formatGitHubSettings(settings)) console.log(line);
}

main().catch((error: unknown) => {
  console.error(`infra:deploy failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
