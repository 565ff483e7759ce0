import type { Parameter } from '@aws-sdk/client-cloudformation';
import { IMAGES } from '@starter/config';

export interface StackSettings {
  appName: string;
  githubRepository: string;
  repositoryPrefix: string;
  createOidcProvider: boolean;
  host?: {
    sshPublicKey: string;
    sshAllowedCidr: string;
    instanceType?: string;
    vpcId?: string;
    subnetId?: string;
  };
}

/** CloudFormation parameters of infra/aws/stack.yaml; repository names come from IMAGES. */
export function stackParameters(settings: StackSettings): Parameter[] {
  const values: Record<string, string | undefined> = {
    AppName: settings.appName,
    ApiRepositoryName: `${settings.repositoryPrefix}${IMAGES.api.repository}`,
    WorkerRepositoryName: `${settings.repositoryPrefix}${IMAGES.worker.repository}`,
    GitHubRepository: settings.githubRepository,
    CreateOidcProvider: String(settings.createOidcProvider),
    CreateHost: String(Boolean(settings.host)),
    SshPublicKey: settings.host?.sshPublicKey,
    SshAllowedCidr: settings.host?.sshAllowedCidr,
    HostInstanceType: settings.host?.instanceType,
    VpcId: settings.host?.vpcId,
    SubnetId: settings.host?.subnetId,
  };
  return Object.entries(values).flatMap(([ParameterKey, ParameterValue]) =>
    ParameterValue === undefined ? [] : [{ ParameterKey, ParameterValue }],
  );
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
  stack: Pick<StackSettings, 'appName' | 'repositoryPrefix'>,
): GitHubSetting[] {
  const required = (key: string): string => {
    const value = outputs[key];
    if (!value)
      throw new Error(`The stack has no output ${key}; is infra/aws/stack.yaml deployed?`);
    return value;
  };
  const settings: GitHubSetting[] = [
    { kind: 'variable', name: 'AWS_REGION', value: required('AwsRegion') },
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

export function formatGitHubSettings(settings: GitHubSetting[]): string[] {
  const variables = settings.filter(({ kind }) => kind === 'variable');
  const secrets = settings.filter(({ kind }) => kind === 'secret');
  return [
    'Repository variables (Settings > Secrets and variables > Actions > Variables):',
    ...variables.map(({ name, value }) => `  gh variable set ${name} --body '${value}'`),
    ...(variables.some(({ name }) => name === 'DEPLOY_HOST')
      ? []
      : ['  gh variable set DEPLOY_HOST --body <address of your host>']),
    'Secrets of the "production" environment (Settings > Environments > production):',
    ...secrets.map(({ name, value }) => `  gh secret set ${name} --env production   # ${value}`),
    'Compare the scanned host key with the fingerprint the instance prints in its console output',
    '(EC2 > Instance > Monitor and troubleshoot > Get system log) before trusting it.',
  ];
}
