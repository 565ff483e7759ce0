import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IMAGES } from '@starter/config';
import { type Tags, parse } from 'yaml';
import { stackParameters } from '../src/infra/stack-config';

/** CloudFormation's short-form intrinsics, read as their long form ({ Ref: x }, { 'Fn::Sub': x }). */
const INTRINSICS = [
  'Ref',
  'Sub',
  'GetAtt',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Base64',
  'Join',
  'Select',
  'Split',
  'FindInMap',
  'GetAZs',
  'ImportValue',
  'Condition',
];
const customTags: Tags = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const resolve = (value: unknown) => ({
    [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value,
  });
  return (['scalar', 'seq', 'map'] as const).map((nodeClass) => ({
    tag: `!${name}`,
    collection: nodeClass === 'scalar' ? undefined : nodeClass,
    resolve: (node: unknown) =>
      resolve(nodeClass === 'scalar' ? node : (node as { toJSON(): unknown }).toJSON()),
  }));
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, any>;
}

const templateText = readFileSync(path.resolve(__dirname, '../../infra/aws/stack.yaml'), 'utf8');
const template = parse(templateText, { customTags }) as {
  Parameters: Record<string, { Default?: string }>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, unknown>;
};
const resources = template.Resources;
const ofType = (type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const statements = (resource: Resource): Statement[] => [
  ...((resource.Properties.AssumeRolePolicyDocument?.Statement ?? []) as Statement[]),
  ...(
    (resource.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((policy) => policy.PolicyDocument.Statement),
];
const actions = (statement: Statement): string[] => [statement.Action].flat();

describe('infra/aws/stack.yaml', () => {
  it('uses no YAML aliases, which CloudFormation rejects', () => {
    expect(templateText).not.toMatch(/[&*][A-Za-z]\w*\s*$/m);
  });

  it('declares every parameter infra:deploy passes', () => {
    const passed = stackParameters({
      appName: 'starter',
      githubRepository: 'acme/app',
      repositoryPrefix: '',
      createOidcProvider: true,
      host: {
        sshPublicKey: 'ssh-ed25519 AAAA',
        sshAllowedCidr: '203.0.113.0/24',
        instanceType: 't3.small',
        vpcId: 'vpc-1',
        subnetId: 'subnet-1',
      },
    });
    for (const { ParameterKey } of passed)
      expect(Object.keys(template.Parameters)).toContain(ParameterKey);
  });

  it('creates immutable, scanned ECR repositories for both images with the same lifecycle policy', () => {
    const repositories = ofType('AWS::ECR::Repository').map(([, resource]) => resource.Properties);
    expect(repositories.map((props) => props.RepositoryName)).toEqual([
      { Ref: 'ApiRepositoryName' },
      { Ref: 'WorkerRepositoryName' },
    ]);
    const policies = repositories.map(
      (props) => JSON.parse(props.LifecyclePolicy.LifecyclePolicyText as string) as unknown,
    );
    expect(policies[0]).toEqual(policies[1]);
    for (const props of repositories) {
      expect(props.ImageTagMutability).toBe('IMMUTABLE');
      expect(props.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
    }
    expect(policies[0]).toEqual({
      rules: [
        expect.objectContaining({
          selection: expect.objectContaining({ tagStatus: 'untagged' }),
          action: { type: 'expire' },
        }),
        expect.objectContaining({
          selection: expect.objectContaining({ countType: 'imageCountMoreThan', countNumber: 30 }),
        }),
      ],
    });
  });

  it('lets only the production environment of the repository assume the deploy role', () => {
    const [trust] = resources.DeployRole?.Properties.AssumeRolePolicyDocument
      .Statement as Statement[];
    expect(trust).toEqual({
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: {
        Federated: expect.objectContaining({
          'Fn::If': expect.arrayContaining(['ShouldCreateOidcProvider']),
        }),
      },
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': {
            'Fn::Sub': 'repo:${GitHubRepository}:environment:production',
          },
        },
      },
    });
  });

  it('lets the deploy role push to the two repositories and read the production parameters, nothing else', () => {
    const allowed = statements(resources.DeployRole as Resource).slice(1);
    const wildcard = allowed.filter((statement) => statement.Resource === '*');
    expect(wildcard.map(actions)).toEqual([['ecr:GetAuthorizationToken']]);
    for (const statement of allowed.filter((candidate) => candidate.Resource !== '*')) {
      const targets = JSON.stringify(statement.Resource);
      if (actions(statement).every((action) => action.startsWith('ecr:'))) {
        expect(statement.Resource).toEqual([
          { 'Fn::GetAtt': ['ApiRepository', 'Arn'] },
          { 'Fn::GetAtt': ['WorkerRepository', 'Arn'] },
        ]);
        expect(actions(statement)).toContain('ecr:PutImage');
      } else {
        expect(actions(statement).every((action) => action.startsWith('ssm:GetParameter'))).toBe(
          true,
        );
        expect(targets).toContain(':parameter/${AppName}/production/*');
      }
    }
  });

  it('has no wildcard principal or action anywhere', () => {
    for (const [, resource] of [...ofType('AWS::IAM::Role')]) {
      for (const statement of statements(resource)) {
        expect(JSON.stringify(statement.Principal ?? {})).not.toContain('"*"');
        for (const action of actions(statement)) expect(action).not.toMatch(/\*/);
      }
    }
  });

  it('makes the OIDC provider and the host optional', () => {
    expect(resources.GitHubOidcProvider?.Condition).toBe('ShouldCreateOidcProvider');
    for (const id of [
      'Host',
      'HostRole',
      'HostInstanceProfile',
      'HostSecurityGroup',
      'HostAddress',
    ]) {
      expect([id, resources[id]?.Condition]).toEqual([id, 'ShouldCreateHost']);
    }
  });

  it('gives the host pull-only registry access and opens SSH only to the given network', () => {
    const pulls = statements(resources.HostRole as Resource)
      .slice(1)
      .flatMap(actions);
    expect(pulls.sort()).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer',
    ]);
    const ingress = resources.HostSecurityGroup?.Properties.SecurityGroupIngress as Record<
      string,
      unknown
    >[];
    expect(ingress.filter((rule) => rule.FromPort === 22)).toEqual([
      expect.objectContaining({ CidrIp: { Ref: 'SshAllowedCidr' } }),
    ]);
    expect(new Set(ingress.map((rule) => rule.FromPort))).toEqual(new Set([22, 80, 443]));
  });

  it('installs Docker with Compose, the deploy user and the release directory on the host', () => {
    const userData = resources.Host?.Properties.UserData['Fn::Base64']['Fn::Sub'] as string;
    expect(userData).toContain('docker-compose-plugin');
    expect(userData).toContain('useradd --create-home --shell /bin/bash --groups docker deploy');
    expect(userData).toContain("echo '${SshPublicKey}' > /home/deploy/.ssh/authorized_keys");
    expect(userData).toContain('/srv/${AppName}');
  });

  it('names the repositories after IMAGES in packages/config', () => {
    const names = stackParameters({
      appName: 'starter',
      githubRepository: 'acme/app',
      repositoryPrefix: 'team-',
      createOidcProvider: false,
    });
    expect(names).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'ApiRepositoryName', ParameterValue: `team-${IMAGES.api.repository}` },
        {
          ParameterKey: 'WorkerRepositoryName',
          ParameterValue: `team-${IMAGES.worker.repository}`,
        },
        { ParameterKey: 'CreateHost', ParameterValue: 'false' },
        { ParameterKey: 'CreateOidcProvider', ParameterValue: 'false' },
      ]),
    );
  });
});
