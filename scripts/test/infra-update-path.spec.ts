import {
  type Change,
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { IMAGES } from '@starter/config';
import { mockClient } from 'aws-sdk-client-mock';
import { reviewChanges, type ReviewOptions } from '../src/infra/change-review';
import {
  checkParameterPaths,
  describeParameters,
  planParameters,
  requestedParameters,
  resolveUbuntuImageId,
  STACK_PARAMETER_KEYS,
  type StackRequest,
  stackIdentity,
  UBUNTU_IMAGE_PARAMETER,
} from '../src/infra/stack-config';
import { deployStack } from '../src/infra/stack-deployer';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const STACK = 'starter-production';
const STACK_ID = `arn:aws:cloudformation:eu-west-1:111111111111:stack/${STACK}/5d1c7a40-0a3b-11f1-9c1e-0a1b2c3d4e5f`;
const CHANGE_SET_ID = `arn:aws:cloudformation:eu-west-1:111111111111:changeSet/infra-deploy-1893492000000/8f2e6a10-0a3c-11f1-b1a2-0a1b2c3d4e5f`;
const START = new Date('2030-01-01T10:00:00Z');
const GITHUB_ENVIRONMENTS = ['staging', 'production'];
const SUBJECTS = 'repo:acme/shop:environment:staging,repo:acme/shop:environment:production';
const CURRENT_AMI = 'ami-0c1d2e3f4a5b6c7d8';
const NEWER_AMI = 'ami-0fedcba9876543210';

/** The parameters of a stack created by infra:deploy, as DescribeStacks returns them. */
const DEPLOYED_PARAMETERS: Parameter[] = [
  ['AppName', 'starter'],
  ['ApiRepositoryName', IMAGES.api.repository],
  ['WorkerRepositoryName', IMAGES.worker.repository],
  ['GitHubRepository', 'acme/shop'],
  ['DeployEnvironmentSubjects', SUBJECTS],
  ['CreateOidcProvider', 'true'],
  ['CreateHost', 'true'],
  ['HostInstanceType', 't3.small'],
  ['HostImageId', CURRENT_AMI],
  ['HostVolumeSizeGiB', '30'],
  ['DataVolumeSizeGiB', '20'],
  ['DataVolumeSnapshotId', ''],
  ['DataSnapshotRetentionCount', '14'],
  ['SshPublicKey', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBq deploy'],
  ['SshAllowedCidr', '198.51.100.0/24'],
  ['VpcId', 'vpc-0a1b2c3d'],
  ['SubnetId', 'subnet-0a1b2c3d'],
].map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

const stack = (status: Stack['StackStatus'], parameters = DEPLOYED_PARAMETERS): Stack => ({
  StackId: STACK_ID,
  StackName: STACK,
  StackStatus: status,
  CreationTime: new Date('2029-06-01T08:00:00Z'),
  LastUpdatedTime: new Date('2029-07-01T08:00:00Z'),
  Capabilities: ['CAPABILITY_IAM'],
  Parameters: parameters,
  Outputs: [{ OutputKey: 'AwsRegion', OutputValue: 'eu-west-1' }],
});

/** A ResourceChange as DescribeChangeSet returns it. */
function resourceChange(
  logicalId: string,
  resourceType: string,
  replacement: 'True' | 'False' | 'Conditional',
  properties: { name: string; recreation: 'Never' | 'Conditionally' | 'Always' }[],
  action: 'Modify' | 'Remove' = 'Modify',
): Change {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: action,
      LogicalResourceId: logicalId,
      PhysicalResourceId: `${logicalId.toLowerCase()}-0a1b2c3d4e5f`,
      ResourceType: resourceType,
      ...(action === 'Modify' ? { Replacement: replacement, Scope: ['Properties'] } : {}),
      Details: properties.map(({ name, recreation }) => ({
        Target: { Attribute: 'Properties', Name: name, RequiresRecreation: recreation },
        Evaluation: 'Static',
        ChangeSource: 'DirectModification',
      })),
    },
  };
}
const SSH_RULE_CHANGE = resourceChange('HostSecurityGroup', 'AWS::EC2::SecurityGroup', 'False', [
  { name: 'SecurityGroupIngress', recreation: 'Never' },
]);
const HOST_REPLACED = resourceChange('Host', 'AWS::EC2::Instance', 'True', [
  { name: 'SubnetId', recreation: 'Always' },
]);
const HOST_REPLACED_BY_TEMPLATE = resourceChange('Host', 'AWS::EC2::Instance', 'Conditional', [
  { name: 'LaunchTemplate', recreation: 'Conditionally' },
]);
const HOST_RESIZED = resourceChange('Host', 'AWS::EC2::Instance', 'False', [
  { name: 'InstanceType', recreation: 'Never' },
]);
const VOLUME_REPLACED = {
  ...resourceChange('DataVolume', 'AWS::EC2::Volume', 'True', [
    { name: 'SnapshotId', recreation: 'Always' },
  ]),
};
VOLUME_REPLACED.ResourceChange!.PolicyAction = 'ReplaceAndSnapshot';
const ATTACHMENT_REPLACED = resourceChange(
  'DataVolumeAttachment',
  'AWS::EC2::VolumeAttachment',
  'True',
  [{ name: 'VolumeId', recreation: 'Always' }],
);
const VOLUME_GROWN = resourceChange('DataVolume', 'AWS::EC2::Volume', 'False', [
  { name: 'Size', recreation: 'Never' },
]);
const HOST_TAGGED: Change = {
  Type: 'Resource',
  ResourceChange: {
    Action: 'Modify',
    LogicalResourceId: 'Host',
    PhysicalResourceId: 'i-0a1b2c3d4e5f',
    ResourceType: 'AWS::EC2::Instance',
    Replacement: 'False',
    Scope: ['Tags'],
    Details: [
      {
        Target: { Attribute: 'Tags', RequiresRecreation: 'Never' },
        Evaluation: 'Static',
        ChangeSource: 'DirectModification',
      },
    ],
  },
};

function changeSetResponse(changes: Change[]): DescribeChangeSetCommandOutput {
  return {
    $metadata: {},
    ChangeSetId: CHANGE_SET_ID,
    ChangeSetName: 'infra-deploy-1893492000000',
    StackId: STACK_ID,
    StackName: STACK,
    ExecutionStatus: 'AVAILABLE',
    Status: 'CREATE_COMPLETE',
    Changes: changes,
  };
}

interface UpdateOptions {
  request?: StackRequest;
  changes?: Change[];
  review?: Partial<ReviewOptions>;
  dryRun?: boolean;
  previous?: Parameter[];
  githubEnvironments?: string[];
}

function update(options: UpdateOptions = {}) {
  cloudFormation
    .on(DescribeStacksCommand)
    .resolvesOnce({ Stacks: [stack('UPDATE_COMPLETE', options.previous)] })
    .resolvesOnce({ Stacks: [stack('UPDATE_IN_PROGRESS', options.previous)] })
    .resolves({ Stacks: [stack('UPDATE_COMPLETE', options.previous)] });
  cloudFormation
    .on(DescribeChangeSetCommand)
    .resolvesOnce({ Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' })
    .resolves(changeSetResponse(options.changes ?? [SSH_RULE_CHANGE]));
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const result = deployStack({
    client: new CloudFormationClient({ region: 'eu-west-1' }),
    stackName: STACK,
    templateBody: 'Resources: {}',
    dryRun: options.dryRun,
    log,
    pollIntervalMs: 0,
    now: () => START,
    parameters: async (existing) => {
      const parameters = await planParameters(requestedParameters(options.request ?? {}), {
        existing,
        githubEnvironments: options.githubEnvironments ?? GITHUB_ENVIRONMENTS,
        defaultGitHubRepository: () =>
          Promise.reject(new Error('the remote is not read on update')),
        resolveImageId: () => resolveUbuntuImageId(new SSMClient({ region: 'eu-west-1' })),
      });
      describeParameters(parameters, existing).forEach(log);
      return parameters;
    },
    review: (changes) =>
      reviewChanges(changes, {
        allowReplacement: false,
        restoresSnapshot: options.request?.dataVolumeSnapshotId !== undefined,
        ...options.review,
      }),
  });
  return { result, lines };
}

const sentParameters = () =>
  cloudFormation.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.Parameters ?? [];

beforeEach(() => {
  cloudFormation.reset();
  ssm.reset();
  cloudFormation.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
  cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
  ssm.on(GetParameterCommand, { Name: UBUNTU_IMAGE_PARAMETER }).resolves({
    Parameter: { Name: UBUNTU_IMAGE_PARAMETER, Type: 'String', Value: NEWER_AMI, Version: 97 },
  });
});

describe('infra:deploy on an existing stack', () => {
  it('sends what was passed and keeps every other parameter, the AMI included, with UsePreviousValue', async () => {
    const { result, lines } = update({ request: { sshAllowedCidr: '203.0.113.7/32' } });

    await expect(result).resolves.toMatchObject({ outcome: 'updated' });
    expect(sentParameters()).toEqual(
      STACK_PARAMETER_KEYS.map((ParameterKey) =>
        ParameterKey === 'SshAllowedCidr'
          ? { ParameterKey, ParameterValue: '203.0.113.7/32' }
          : // Always from infra/environments.json; the same file gives the same value.
            ParameterKey === 'DeployEnvironmentSubjects'
            ? { ParameterKey, ParameterValue: SUBJECTS }
            : { ParameterKey, UsePreviousValue: true },
      ),
    );
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(lines).toContain(`  HostImageId = ${CURRENT_AMI} (kept)`);
    expect(lines).toContain('  SubnetId = subnet-0a1b2c3d (kept)');
    expect(lines).toContain('  SshAllowedCidr = 203.0.113.7/32 (was 198.51.100.0/24)');
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(1);
  });

  it("gives the deploy role's trust an environment added to infra/environments.json, for the stack's repository", async () => {
    const { result, lines } = update({ githubEnvironments: [...GITHUB_ENVIRONMENTS, 'qa'] });

    await expect(result).resolves.toMatchObject({ outcome: 'updated' });
    expect(sentParameters()).toContainEqual({
      ParameterKey: 'DeployEnvironmentSubjects',
      ParameterValue: `${SUBJECTS},repo:acme/shop:environment:qa`,
    });
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}DeployEnvironmentSubjects = .+ \(was .+\)$/),
    );
  });

  it('pins the AMI a stack of the earlier template runs, which resolved it from SSM', async () => {
    const previous = DEPLOYED_PARAMETERS.map((parameter) =>
      parameter.ParameterKey === 'HostImageId'
        ? { ...parameter, ParameterValue: UBUNTU_IMAGE_PARAMETER, ResolvedValue: CURRENT_AMI }
        : parameter,
    ).filter(({ ParameterKey }) => !ParameterKey?.startsWith('Data'));

    const { result } = update({ previous });

    await expect(result).resolves.toMatchObject({ outcome: 'updated' });
    const sent = sentParameters();
    expect(sent).toContainEqual({ ParameterKey: 'HostImageId', ParameterValue: CURRENT_AMI });
    // Parameters the old stack did not have take the template's defaults.
    expect(sent.map(({ ParameterKey }) => ParameterKey)).not.toContain('DataVolumeSizeGiB');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('resolves an AMI only when a host is added to a stack that had none', async () => {
    const previous = DEPLOYED_PARAMETERS.map((parameter) =>
      ['CreateHost', 'HostImageId', 'SshPublicKey', 'SshAllowedCidr'].includes(
        parameter.ParameterKey!,
      )
        ? { ...parameter, ParameterValue: parameter.ParameterKey === 'CreateHost' ? 'false' : '' }
        : parameter,
    );

    const { result } = update({
      previous,
      request: {
        createHost: true,
        sshPublicKey: 'ssh-ed25519 AAAA',
        sshAllowedCidr: '203.0.113.7/32',
      },
      changes: [],
    });

    await expect(result).resolves.toMatchObject({ outcome: 'updated' });
    expect(sentParameters()).toContainEqual({
      ParameterKey: 'HostImageId',
      ParameterValue: NEWER_AMI,
    });
  });

  it('shows a change set that replaces the host and refuses it without --allow-replacement', async () => {
    const { result, lines } = update({
      request: { subnetId: 'subnet-9f8e7d6c' },
      changes: [HOST_REPLACED, ATTACHMENT_REPLACED],
    });

    await expect(result).rejects.toThrow(
      /refused, nothing was changed:\n {2}Host \(AWS::EC2::Instance\) would be replaced \(SubnetId\)\n {2}DataVolumeAttachment .*--allow-replacement/s,
    );
    expect(lines).toContain('  Modify Host AWS::EC2::Instance (replacement)');
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cloudFormation.commandCalls(DeleteChangeSetCommand)[0]?.args[0].input).toEqual({
      ChangeSetName: CHANGE_SET_ID,
    });
  });

  it('refuses a restart of the host (a new instance type) but lets a tag change through', async () => {
    await expect(
      update({ request: { instanceType: 't3.medium' }, changes: [HOST_RESIZED] }).result,
    ).rejects.toThrow(
      'Host (AWS::EC2::Instance) would be stopped and started to change InstanceType',
    );
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);

    cloudFormation.reset();
    cloudFormation.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID });
    cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    await expect(update({ changes: [HOST_TAGGED, VOLUME_GROWN] }).result).resolves.toMatchObject({
      outcome: 'updated',
    });
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(1);
  });

  it('restores from a snapshot onto a new host with --allow-replacement', async () => {
    const { result, lines } = update({
      request: { dataVolumeSnapshotId: 'snap-0123456789abcdef0' },
      changes: [HOST_REPLACED_BY_TEMPLATE, VOLUME_REPLACED, ATTACHMENT_REPLACED],
      review: { allowReplacement: true },
    });

    await expect(result).resolves.toMatchObject({ outcome: 'updated' });
    expect(lines).toContain(
      '  Modify DataVolume AWS::EC2::Volume (replacement) [ReplaceAndSnapshot]',
    );
    expect(lines).toContain('  Modify Host AWS::EC2::Instance (replacement: conditional)');
    expect(sentParameters()).toContainEqual({
      ParameterKey: 'DataVolumeSnapshotId',
      ParameterValue: 'snap-0123456789abcdef0',
    });
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(1);
  });

  it('even with --allow-replacement, refuses a data volume replaced without a snapshot named on this run', async () => {
    await expect(
      update({
        changes: [VOLUME_REPLACED, ATTACHMENT_REPLACED],
        review: { allowReplacement: true },
      }).result,
    ).rejects.toThrow('--data-volume-snapshot <snap-id>');
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('even with --allow-replacement, refuses a new host that would leave the data volume on the old one', async () => {
    await expect(
      update({
        request: { imageId: NEWER_AMI },
        changes: [HOST_REPLACED, ATTACHMENT_REPLACED],
        review: { allowReplacement: true },
      }).result,
    ).rejects.toThrow('CloudFormation cannot move');
  });

  it('with --allow-replacement, moves a stack of the earlier template onto a host with a data volume', async () => {
    const added = (logicalId: string, resourceType: string): Change => ({
      Type: 'Resource',
      ResourceChange: { Action: 'Add', LogicalResourceId: logicalId, ResourceType: resourceType },
    });
    const changes = [
      HOST_REPLACED_BY_TEMPLATE,
      added('DataVolume', 'AWS::EC2::Volume'),
      added('DataVolumeAttachment', 'AWS::EC2::VolumeAttachment'),
    ];
    await expect(update({ changes }).result).rejects.toThrow('--allow-replacement');

    cloudFormation.reset();
    cloudFormation.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID });
    cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    await expect(
      update({ changes, review: { allowReplacement: true } }).result,
    ).resolves.toMatchObject({ outcome: 'updated' });
  });

  it('refuses to remove the host (--no-host) without --allow-replacement', async () => {
    await expect(
      update({
        request: { createHost: false },
        changes: [
          resourceChange('Host', 'AWS::EC2::Instance', 'False', [], 'Remove'),
          resourceChange('DataVolume', 'AWS::EC2::Volume', 'False', [], 'Remove'),
        ],
      }).result,
    ).rejects.toThrow('Host (AWS::EC2::Instance) would be deleted');
  });

  it('on a dry run shows what would be refused and changes nothing', async () => {
    const { result, lines } = update({ changes: [HOST_REPLACED], dryRun: true });

    await expect(result).resolves.toMatchObject({
      outcome: 'dry-run',
      refusals: [
        expect.stringContaining('Host (AWS::EC2::Instance) would be replaced'),
        expect.anything(),
        expect.anything(),
      ],
    });
    expect(lines.join('\n')).toContain('Without --dry-run this would be refused:');
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('reviews the changes of every page of the change set', async () => {
    const { result } = update();
    cloudFormation
      .on(DescribeChangeSetCommand)
      .callsFake((input: { NextToken?: string }) =>
        input.NextToken === 'page-2'
          ? changeSetResponse([HOST_REPLACED])
          : { ...changeSetResponse([SSH_RULE_CHANGE]), NextToken: 'page-2' },
      );

    await expect(result).rejects.toThrow('Host (AWS::EC2::Instance) would be replaced');
  });
});

describe('infra:deploy creating a stack', () => {
  it("resolves Ubuntu's AMI once and sends it as a plain value, with the repository from git", async () => {
    const parameters = await planParameters(
      requestedParameters({ sshPublicKey: 'ssh-ed25519 AAAA', sshAllowedCidr: '203.0.113.7/32' }),
      {
        existing: undefined,
        githubEnvironments: GITHUB_ENVIRONMENTS,
        defaultGitHubRepository: () => Promise.resolve('acme/shop'),
        resolveImageId: () => resolveUbuntuImageId(new SSMClient({ region: 'eu-west-1' })),
      },
    );
    expect(parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'HostImageId', ParameterValue: NEWER_AMI },
        { ParameterKey: 'GitHubRepository', ParameterValue: 'acme/shop' },
        { ParameterKey: 'CreateHost', ParameterValue: 'true' },
        { ParameterKey: 'ApiRepositoryName', ParameterValue: IMAGES.api.repository },
      ]),
    );
    expect(parameters.some(({ UsePreviousValue }) => UsePreviousValue)).toBe(false);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('refuses a host without a key and an SSH network, before any AWS call', async () => {
    await expect(
      planParameters(requestedParameters({ sshPublicKey: 'ssh-ed25519 AAAA' }), {
        existing: undefined,
        githubEnvironments: GITHUB_ENVIRONMENTS,
        defaultGitHubRepository: () => Promise.resolve('acme/shop'),
        resolveImageId: () => Promise.reject(new Error('not reached')),
      }),
    ).rejects.toThrow('A host needs --ssh-public-key <file> and --ssh-cidr <cidr>');
  });

  it('creates no host and resolves no AMI with --no-host', async () => {
    const parameters = await planParameters(requestedParameters({ createHost: false }), {
      existing: undefined,
      githubEnvironments: GITHUB_ENVIRONMENTS,
      defaultGitHubRepository: () => Promise.resolve('acme/shop'),
      resolveImageId: () => Promise.reject(new Error('not reached')),
    });
    expect(parameters.map(({ ParameterKey }) => ParameterKey)).not.toContain('HostImageId');
  });
});

describe('checkParameterPaths', () => {
  it("accepts the environments' SSM paths under /<app>/ and names each one outside it", () => {
    expect(() =>
      checkParameterPaths('shop', { staging: '/shop/staging/', qa: '/shop/qa/' }),
    ).not.toThrow();
    expect(() =>
      checkParameterPaths('shop', { staging: '/starter/staging/', qa: '/shop-qa/' }),
    ).toThrow(
      "The deploy role reads the SSM parameters under /shop/ only; in infra/environments.json staging's ssmPath /starter/staging/, qa's ssmPath /shop-qa/ lies outside it",
    );
  });
});

describe('stackIdentity', () => {
  it('reads the app name, repository prefix and repository from the stack parameters', () => {
    expect(
      stackIdentity({
        AppName: 'shop',
        ApiRepositoryName: `team/${IMAGES.api.repository}`,
        GitHubRepository: 'acme/shop',
      }),
    ).toEqual({ appName: 'shop', repositoryPrefix: 'team/', githubRepository: 'acme/shop' });
  });
});
