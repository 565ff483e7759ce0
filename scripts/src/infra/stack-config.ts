import type { Parameter, Stack } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { IMAGES } from '@starter/config';
import { explainAwsError } from '../lib/aws-errors';

/** Every parameter of infra/aws/stack.yaml; a test keeps the two lists equal. */
export const STACK_PARAMETER_KEYS = [
  'AppName',
  'ApiRepositoryName',
  'WorkerRepositoryName',
  'GitHubRepository',
  'DeployEnvironmentSubjects',
  'CreateOidcProvider',
  'CreateHost',
  'HostInstanceType',
  'HostImageId',
  'HostVolumeSizeGiB',
  'DataVolumeSizeGiB',
  'DataVolumeSnapshotId',
  'DataSnapshotRetentionCount',
  'SshPublicKey',
  'SshAllowedCidr',
  'VpcId',
  'SubnetId',
] as const;
export type StackParameterKey = (typeof STACK_PARAMETER_KEYS)[number];
export type StackParameterValues = Partial<Record<StackParameterKey, string>>;

/** AppName's default in infra/aws/stack.yaml and DEPLOY_APP's; a test keeps the three equal. */
export const DEFAULT_APP_NAME = 'starter';

/** Ubuntu 24.04 LTS, amd64, as Canonical publishes it per region. Read once, at the host's creation. */
export const UBUNTU_IMAGE_PARAMETER =
  '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id';

/** What this run of infra:deploy asks for; anything left undefined keeps its current value. */
export interface StackRequest {
  appName?: string;
  githubRepository?: string;
  repositoryPrefix?: string;
  createOidcProvider?: boolean;
  createHost?: boolean;
  sshPublicKey?: string;
  sshAllowedCidr?: string;
  instanceType?: string;
  imageId?: string;
  rootVolumeSizeGiB?: string;
  dataVolumeSizeGiB?: string;
  dataVolumeSnapshotId?: string;
  snapshotRetentionCount?: string;
  vpcId?: string;
  subnetId?: string;
}

/** The parameters this run sets explicitly; repository names come from IMAGES. */
export function requestedParameters(request: StackRequest): StackParameterValues {
  const prefix = request.repositoryPrefix;
  const flag = (value: boolean | undefined) => (value === undefined ? undefined : String(value));
  const values: StackParameterValues = {
    AppName: request.appName,
    ApiRepositoryName: prefix === undefined ? undefined : `${prefix}${IMAGES.api.repository}`,
    WorkerRepositoryName: prefix === undefined ? undefined : `${prefix}${IMAGES.worker.repository}`,
    GitHubRepository: request.githubRepository,
    CreateOidcProvider: flag(request.createOidcProvider),
    CreateHost: flag(request.createHost),
    HostInstanceType: request.instanceType,
    HostImageId: request.imageId,
    HostVolumeSizeGiB: request.rootVolumeSizeGiB,
    DataVolumeSizeGiB: request.dataVolumeSizeGiB,
    DataVolumeSnapshotId: request.dataVolumeSnapshotId,
    DataSnapshotRetentionCount: request.snapshotRetentionCount,
    SshPublicKey: request.sshPublicKey,
    SshAllowedCidr: request.sshAllowedCidr,
    VpcId: request.vpcId,
    SubnetId: request.subnetId,
  };
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

export interface ParameterPlanContext {
  /** The stack being updated; undefined when it is created. */
  existing: Stack | undefined;
  /** owner/name of the repository, asked only when a stack is created without one. */
  defaultGitHubRepository: () => Promise<string>;
  /** The current Ubuntu AMI, asked only when a host is created without --image-id. */
  resolveImageId: () => Promise<string>;
  /** The GitHub environments whose jobs the deploy role trusts (infra/environments.json). */
  githubEnvironments: string[];
}

/**
 * The deploy role reads /<app>/*: an environment whose SSM path lies elsewhere would deploy with
 * a role that cannot read its settings, so infra:deploy refuses it up front.
 */
export function checkParameterPaths(appName: string, paths: Record<string, string>): void {
  const outside = Object.entries(paths).filter(([, path]) => !path.startsWith(`/${appName}/`));
  if (outside.length > 0) {
    throw new Error(
      `The deploy role reads the SSM parameters under /${appName}/ only; in infra/environments.json ${outside.map(([name, path]) => `${name}'s ssmPath ${path}`).join(', ')} lies outside it`,
    );
  }
}

/** The OIDC subject of a job in `environment` of `repository`, as GitHub writes it in its tokens. */
export function oidcSubjects(repository: string, environments: string[]): string {
  if (environments.length === 0) throw new Error('infra/environments.json names no environment');
  for (const environment of environments) {
    // A comma would split the stack's list parameter.
    if (!/^[^,]+$/.test(environment))
      throw new Error(`a GitHub environment name cannot contain a comma: ${environment}`);
  }
  return environments
    .map((environment) => `repo:${repository}:environment:${environment}`)
    .join(',');
}

/**
 * The parameters of a create or update. On update every parameter this run does not set is sent
 * as UsePreviousValue, never left to the template's default (a forgotten --subnet-id would replace
 * the host), and the AMI stays the one the host was created from.
 */
export async function planParameters(
  requested: StackParameterValues,
  context: ParameterPlanContext,
): Promise<Parameter[]> {
  const previous = new Map(
    (context.existing?.Parameters ?? []).flatMap((parameter) =>
      parameter.ParameterKey ? [[parameter.ParameterKey, parameter] as const] : [],
    ),
  );
  const values: StackParameterValues = { ...requested };
  if (!context.existing) {
    values.ApiRepositoryName ??= IMAGES.api.repository;
    values.WorkerRepositoryName ??= IMAGES.worker.repository;
    values.GitHubRepository ??= await context.defaultGitHubRepository();
    values.CreateHost ??= 'true';
  }
  const effective = (key: StackParameterKey) => values[key] ?? previous.get(key)?.ParameterValue;
  // Set on every run, from the file: an environment added or removed there reaches the trust.
  values.DeployEnvironmentSubjects = oidcSubjects(
    effective('GitHubRepository')!,
    context.githubEnvironments,
  );

  if (effective('CreateHost') === 'true') {
    if (!effective('SshPublicKey') || !effective('SshAllowedCidr')) {
      throw new Error(
        'A host needs --ssh-public-key <file> and --ssh-cidr <cidr> (or pass --no-host).',
      );
    }
    const image = previous.get('HostImageId');
    if (values.HostImageId === undefined) {
      if (image?.ResolvedValue) {
        // A stack made by the earlier template, whose HostImageId was an SSM parameter path:
        // pin the AMI the host runs, which CloudFormation resolved at the last update.
        values.HostImageId = image.ResolvedValue;
      } else if (!image?.ParameterValue) {
        values.HostImageId = await context.resolveImageId();
      }
    }
  }

  return STACK_PARAMETER_KEYS.flatMap((ParameterKey): Parameter[] => {
    const ParameterValue = values[ParameterKey];
    if (ParameterValue !== undefined) return [{ ParameterKey, ParameterValue }];
    // A parameter the stack does not have yet takes the template's default.
    return previous.has(ParameterKey) ? [{ ParameterKey, UsePreviousValue: true }] : [];
  });
}

/** One line per parameter: its value and whether this run sets it or keeps it. */
export function describeParameters(parameters: Parameter[], existing: Stack | undefined): string[] {
  const previous = new Map(
    (existing?.Parameters ?? []).map(({ ParameterKey, ParameterValue, ResolvedValue }) => [
      ParameterKey,
      ResolvedValue ?? ParameterValue,
    ]),
  );
  const shown = (value: string | undefined) =>
    value === undefined
      ? '(template default)'
      : value.length > 60
        ? `${value.slice(0, 57)}...`
        : value || "''";
  return [
    'Parameters:',
    ...parameters.map(({ ParameterKey, ParameterValue, UsePreviousValue }) => {
      if (UsePreviousValue)
        return `  ${ParameterKey} = ${shown(previous.get(ParameterKey))} (kept)`;
      const before = previous.get(ParameterKey);
      const change = !existing || before === ParameterValue ? '' : ` (was ${shown(before)})`;
      return `  ${ParameterKey} = ${shown(ParameterValue)}${change}`;
    }),
  ];
}

export async function resolveUbuntuImageId(client: SSMClient): Promise<string> {
  try {
    const { Parameter: parameter } = await client.send(
      new GetParameterCommand({ Name: UBUNTU_IMAGE_PARAMETER }),
    );
    if (!parameter?.Value?.startsWith('ami-')) {
      throw new Error(`${UBUNTU_IMAGE_PARAMETER} holds no AMI id`);
    }
    return parameter.Value;
  } catch (error) {
    throw explainAwsError(error, `resolving Ubuntu's AMI (${UBUNTU_IMAGE_PARAMETER})`);
  }
}

/** The app name and repository prefix the stack was deployed with, from its parameters. */
export function stackIdentity(parameters: Record<string, string>): {
  appName: string;
  repositoryPrefix: string;
  githubRepository: string;
} {
  const { AppName, ApiRepositoryName, GitHubRepository } = parameters;
  if (!AppName || !ApiRepositoryName || !GitHubRepository) {
    throw new Error('The stack has no AppName, ApiRepositoryName or GitHubRepository parameter');
  }
  if (!ApiRepositoryName.endsWith(IMAGES.api.repository)) {
    throw new Error(
      `The stack's ApiRepositoryName ${ApiRepositoryName} does not end in ${IMAGES.api.repository}`,
    );
  }
  return {
    appName: AppName,
    repositoryPrefix: ApiRepositoryName.slice(0, -IMAGES.api.repository.length),
    githubRepository: GitHubRepository,
  };
}

/** owner/name from an `origin` URL in SSH or HTTPS form. */
export function parseGitHubRepository(remoteUrl: string): string {
  const match = /github\.com[:/]([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
    remoteUrl.trim(),
  );
  if (!match?.[1]) {
    throw new Error(
      `Cannot read owner/name from the git remote "${remoteUrl}"; pass --github-repo owner/name`,
    );
  }
  return match[1];
}

export interface GitHubSetting {
  kind: 'variable' | 'secret';
  name: string;
  value: string;
}

/**
 * What deploy.yml and rollback.yml read, from the stack outputs. The variables are named after the
 * DEPLOY_* settings they feed (packages/config/src/deploy.schema.ts); the workflows map one onto
 * the other.
 */
export function githubSettings(
  outputs: Record<string, string>,
  stack: { appName: string; repositoryPrefix: string },
): GitHubSetting[] {
  const required = (key: string): string => {
    const value = outputs[key];
    if (!value)
      throw new Error(`The stack has no output ${key}; is infra/aws/stack.yaml deployed?`);
    return value;
  };
  const settings: GitHubSetting[] = [
    { kind: 'variable', name: 'AWS_REGION', value: required('AwsRegion') },
    { kind: 'variable', name: 'AWS_BUILD_ROLE_ARN', value: required('BuildRoleArn') },
    { kind: 'variable', name: 'AWS_DEPLOY_ROLE_ARN', value: required('DeployRoleArn') },
    { kind: 'variable', name: 'DEPLOY_REGISTRY', value: required('EcrRegistry') },
    { kind: 'variable', name: 'DEPLOY_SSM_PATH', value: required('SsmParameterPath') },
    // The host directory /srv/<app> the stack creates follows the app name.
    { kind: 'variable', name: 'DEPLOY_APP', value: stack.appName },
  ];
  if (stack.repositoryPrefix) {
    settings.push({
      kind: 'variable',
      name: 'DEPLOY_REPOSITORY_PREFIX',
      value: stack.repositoryPrefix,
    });
  }
  const host = outputs.HostAddress ?? '<your host>';
  if (outputs.HostAddress) settings.push({ kind: 'variable', name: 'DEPLOY_HOST', value: host });
  settings.push(
    {
      kind: 'secret',
      name: 'DEPLOY_SSH_PRIVATE_KEY',
      value: '<the private key of --ssh-public-key>',
    },
    {
      kind: 'secret',
      name: 'DEPLOY_KNOWN_HOSTS',
      value: `<output of: ssh-keyscan -t ed25519 ${host}>`,
    },
  );
  return settings;
}

/** `environments`: the GitHub environments whose jobs need the secrets (infra/environments.json). */
export function formatGitHubSettings(
  settings: GitHubSetting[],
  environments: string[] = ['production'],
): string[] {
  const variables = settings.filter(({ kind }) => kind === 'variable');
  const secrets = settings.filter(({ kind }) => kind === 'secret');
  return [
    'Repository variables (Settings > Secrets and variables > Actions > Variables):',
    ...variables.map(({ name, value }) => `  gh variable set ${name} --body '${value}'`),
    ...(variables.some(({ name }) => name === 'DEPLOY_HOST')
      ? []
      : ['  gh variable set DEPLOY_HOST --body <address of your host>']),
    ...environments.flatMap((environment) => [
      `Secrets of the "${environment}" environment (Settings > Environments > ${environment}):`,
      ...secrets.map(
        ({ name, value }) => `  gh secret set ${name} --env ${environment}   # ${value}`,
      ),
    ]),
    'Compare the scanned host key with the fingerprint the instance prints in its console output',
    '(EC2 > Instance > Monitor and troubleshoot > Get system log) before trusting it.',
  ];
}
