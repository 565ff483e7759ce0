/**
 * pnpm run infra:deploy — creates or updates the AWS stack (infra/aws/stack.yaml), prints the
 * GitHub variables and secrets that turn on automatic deploys, and restricts the production
 * environment to main.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { $, which } from 'zx';
import { parseVerbArgs, runMain } from '../lib/cli';
import { REPO_ROOT } from '../lib/repo-root';
import { githubEnvironmentOf, readEnvironments } from '../deploy/environments';
import { reviewChanges } from './change-review';
import {
  applyEnvironmentProtection,
  environmentCommands,
  parseReviewers,
  PRODUCTION_ENVIRONMENT,
} from './github-environment';
import {
  checkParameterPaths,
  DEFAULT_APP_NAME,
  describeParameters,
  formatGitHubSettings,
  githubSettings,
  parseGitHubRepository,
  planParameters,
  requestedParameters,
  resolveUbuntuImageId,
  type StackRequest,
  stackIdentity,
} from './stack-config';
import { deployStack } from './stack-deployer';

const TEMPLATE_PATH = path.join(REPO_ROOT, 'infra/aws/stack.yaml');

export const verb = {
  usage: 'pnpm run infra:deploy [options]',
  description: `Creates or updates the CloudFormation stack of infra/aws/stack.yaml through a change set:
ECR repositories, the GitHub OIDC build and deploy roles and, unless --no-host, an EC2 Docker host
with its data volume and daily snapshots. Uses the AWS credentials and region of your environment
(AWS_PROFILE, AWS_REGION, ...). On an update, every setting not passed keeps its current value
(the AMI included), and a change set that would replace or restart the host, or replace its data
volume, is shown and refused unless --allow-replacement.

  --stack-name <name>          stack name (default: <app>-production)
  --region <region>            AWS region (default: from the environment)
  --app <name>                 application name: SSM path /<app>/production/, /srv/<app> (default: starter)
  --github-repo <owner/name>   repository allowed to build and deploy (default: from the git remote origin)
  --repository-prefix <text>   prefix of the ECR repository names (default: none)
  --existing-oidc-provider     the account already has GitHub's OIDC provider: do not create it
  --no-host                    create no EC2 host (you deploy to a server of your own)
  --host                       add the host to a stack created with --no-host
  --ssh-public-key <file>      public key of the deploy user (required to create a host)
  --ssh-cidr <cidr>            the only network allowed to reach SSH (required to create a host)
  --instance-type <type>       host instance type (default: t3.small)
  --image-id <ami>             host AMI (default: Ubuntu 24.04's current one, resolved at creation)
  --root-volume-size <GiB>     root volume (default: 30)
  --data-volume-size <GiB>     data volume: PostgreSQL, Redis, certificates (default: 20)
  --snapshot-retention <n>     daily snapshots of the data volume kept (default: 14)
  --data-volume-snapshot <id>  restore: a new host and data volume from this snapshot
  --vpc-id <id> --subnet-id <id>  where the host goes (default: the default VPC)
  --allow-replacement          accept a change set that replaces, restarts or removes the host
  --reviewers <a,org/team>     required reviewers of the production environment
  --skip-github-environment    print the gh commands for the production environment, do not run them
  --dry-run                    show the parameters and the change set, then delete it`,
  options: {
    'stack-name': { type: 'string' },
    region: { type: 'string' },
    app: { type: 'string' },
    'github-repo': { type: 'string' },
    'repository-prefix': { type: 'string' },
    'existing-oidc-provider': { type: 'boolean' },
    'no-host': { type: 'boolean' },
    host: { type: 'boolean' },
    'ssh-public-key': { type: 'string' },
    'ssh-cidr': { type: 'string' },
    'instance-type': { type: 'string' },
    'image-id': { type: 'string' },
    'root-volume-size': { type: 'string' },
    'data-volume-size': { type: 'string' },
    'snapshot-retention': { type: 'string' },
    'data-volume-snapshot': { type: 'string' },
    'vpc-id': { type: 'string' },
    'subnet-id': { type: 'string' },
    'allow-replacement': { type: 'boolean' },
    reviewers: { type: 'string' },
    'skip-github-environment': { type: 'boolean' },
  },
} as const;

type Flags = ReturnType<typeof parseVerbArgs<typeof verb.options>>;

/** What the flags ask for; a flag not passed stays undefined, so the stack keeps its value. */
export function stackRequest(args: Flags, readFile: (file: string) => string): StackRequest {
  return {
    appName: args.app,
    githubRepository: args['github-repo'],
    repositoryPrefix: args['repository-prefix'],
    createOidcProvider: args['existing-oidc-provider'] ? false : undefined,
    createHost: args['no-host'] ? false : args.host ? true : undefined,
    sshPublicKey:
      args['ssh-public-key'] === undefined ? undefined : readFile(args['ssh-public-key']).trim(),
    sshAllowedCidr: args['ssh-cidr'],
    instanceType: args['instance-type'],
    imageId: args['image-id'],
    rootVolumeSizeGiB: args['root-volume-size'],
    dataVolumeSizeGiB: args['data-volume-size'],
    snapshotRetentionCount: args['snapshot-retention'],
    dataVolumeSnapshotId: args['data-volume-snapshot'],
    vpcId: args['vpc-id'],
    subnetId: args['subnet-id'],
  };
}

runMain(module, async () => {
  const args = parseVerbArgs(verb);
  if (args.host && args['no-host']) throw new Error('Pass --host or --no-host, not both.');
  // Before any AWS call: a typo here should cost nothing.
  const reviewers = args.reviewers === undefined ? undefined : parseReviewers(args.reviewers);
  const sshCidr = args['ssh-cidr'];
  if (sshCidr === '0.0.0.0/0' || sshCidr === '::/0') {
    console.warn(
      `Warning: --ssh-cidr ${sshCidr} lets the whole internet try the deploy user's key (README, Deploying: SSH).`,
    );
  }

  const stackName = args['stack-name'] ?? `${args.app ?? DEFAULT_APP_NAME}-production`;
  const clientConfig = args.region ? { region: args.region } : {};
  const client = new CloudFormationClient(clientConfig);
  console.log(`Stack ${stackName} in ${await client.config.region()}`);

  const requested = requestedParameters(stackRequest(args, (file) => readFileSync(file, 'utf8')));
  const environments = readEnvironments();
  const githubEnvironments = [
    ...new Set(Object.keys(environments).map((name) => githubEnvironmentOf(environments, name))),
  ];

  const result = await deployStack({
    client,
    stackName,
    templateBody: readFileSync(TEMPLATE_PATH, 'utf8'),
    dryRun: args.dryRun,
    parameters: async (existing) => {
      checkParameterPaths(
        requested.AppName ??
          existing?.Parameters?.find(({ ParameterKey }) => ParameterKey === 'AppName')
            ?.ParameterValue ??
          DEFAULT_APP_NAME,
        // The others use DEPLOY_SSM_PATH, the stack's own /<app>/production/.
        Object.fromEntries(
          Object.entries(environments).flatMap(([name, { ssmPath }]) =>
            ssmPath ? [[name, ssmPath]] : [],
          ),
        ),
      );
      const parameters = await planParameters(requested, {
        existing,
        githubEnvironments,
        defaultGitHubRepository: async () =>
          parseGitHubRepository((await $`git remote get-url origin`.quiet()).stdout),
        resolveImageId: () => resolveUbuntuImageId(new SSMClient(clientConfig)),
      });
      for (const line of describeParameters(parameters, existing)) console.log(line);
      return parameters;
    },
    review: (changes) =>
      reviewChanges(changes, {
        allowReplacement: args['allow-replacement'] === true,
        restoresSnapshot: args['data-volume-snapshot'] !== undefined,
      }),
  });
  if (result.outcome === 'dry-run') return;

  console.log(`\nStack ${stackName} ${result.outcome}. Outputs:`);
  for (const [key, value] of Object.entries(result.outputs)) console.log(`  ${key} = ${value}`);
  const identity = stackIdentity(result.parameters);
  console.log('\nNow tell GitHub (see README, Deploying):');
  for (const line of formatGitHubSettings(
    githubSettings(result.outputs, identity),
    githubEnvironments,
  ))
    console.log(line);

  // Required reviewers guard production only: staging deploys every push.
  const reviewersOf = (environment: string) =>
    environment === PRODUCTION_ENVIRONMENT ? reviewers : undefined;
  for (const environment of githubEnvironments) {
    console.log(
      `\nThe ${environment} environment deploys from main only${reviewersOf(environment) ? ', with required reviewers' : ''}:`,
    );
    for (const command of environmentCommands(
      identity.githubRepository,
      reviewersOf(environment),
      environment,
    ))
      console.log(`  ${command}`);
  }
  if (args['skip-github-environment']) return;
  if (!(await which('gh', { nothrow: true }))) {
    console.log('(gh is not on PATH: run these yourself, as a repository admin.)');
    return;
  }
  for (const environment of githubEnvironments) {
    try {
      await applyEnvironmentProtection(
        identity.githubRepository,
        reviewersOf(environment),
        async (ghArgs, input) => (await $({ input, quiet: true })`gh ${ghArgs}`).stdout,
        console.log,
        environment,
      );
    } catch (error) {
      throw new Error(
        `The stack is deployed, but configuring the ${environment} environment with gh failed ` +
          `(${error instanceof Error ? error.message.trim() : String(error)}). Run the commands above as a repository admin.`,
        { cause: error },
      );
    }
  }
});
