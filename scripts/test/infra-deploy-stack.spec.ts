import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { acceptedFlags, parseVerbArgs } from '../src/lib/cli';
import { stackRequest, verb } from '../src/infra/deploy-stack';
import {
  formatGitHubSettings,
  githubSettings,
  parseGitHubRepository,
  requestedParameters,
} from '../src/infra/stack-config';
import { deployStack } from '../src/infra/stack-deployer';

const cloudFormation = mockClient(CloudFormationClient);
const STACK = 'starter-production';
const CHANGE_SET_ID = 'arn:aws:cloudformation:eu-west-1:111111111111:changeSet/infra-deploy-1/abc';
const START = new Date('2030-01-01T10:00:00Z');
const later = (seconds: number) => new Date(START.getTime() + seconds * 1000);
const OUTPUTS = [
  { OutputKey: 'AwsRegion', OutputValue: 'eu-west-1' },
  { OutputKey: 'BuildRoleArn', OutputValue: 'arn:aws:iam::111111111111:role/build' },
  { OutputKey: 'DeployRoleArn', OutputValue: 'arn:aws:iam::111111111111:role/deploy' },
  { OutputKey: 'EcrRegistry', OutputValue: '111111111111.dkr.ecr.eu-west-1.amazonaws.com' },
  { OutputKey: 'SsmParameterPath', OutputValue: '/starter/production/' },
  { OutputKey: 'HostAddress', OutputValue: '203.0.113.10' },
];
const missingStack = Object.assign(new Error(`Stack with id ${STACK} does not exist`), {
  name: 'ValidationError',
});
const event = (
  id: string,
  seconds: number,
  resource: string,
  status: string,
  reason?: string,
): StackEvent => ({
  EventId: id,
  StackName: STACK,
  StackId: 'stack-id',
  LogicalResourceId: resource,
  ResourceType: 'AWS::ECR::Repository',
  ResourceStatus: status as StackEvent['ResourceStatus'],
  ResourceStatusReason: reason,
  Timestamp: later(seconds),
});

function deploy(options: { dryRun?: boolean } = {}) {
  const lines: string[] = [];
  const result = deployStack({
    client: new CloudFormationClient({ region: 'eu-west-1' }),
    stackName: STACK,
    templateBody: 'Resources: {}',
    parameters: () => Promise.resolve([{ ParameterKey: 'AppName', ParameterValue: 'starter' }]),
    dryRun: options.dryRun,
    log: (line) => lines.push(line),
    pollIntervalMs: 0,
    now: () => START,
  });
  return { result, lines };
}

beforeEach(() => {
  cloudFormation.reset();
  cloudFormation.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID });
  cloudFormation
    .on(DescribeChangeSetCommand)
    .resolvesOnce({ Status: 'CREATE_IN_PROGRESS' })
    .resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Add',
            LogicalResourceId: 'ApiRepository',
            ResourceType: 'AWS::ECR::Repository',
          },
        },
      ],
    });
});

describe('deployStack', () => {
  it('creates a missing stack through a CREATE change set and streams its events in order', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejectsOnce(missingStack)
      .resolvesOnce({
        Stacks: [{ StackName: STACK, StackStatus: 'CREATE_IN_PROGRESS', CreationTime: START }],
      })
      .resolves({
        Stacks: [
          {
            StackName: STACK,
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: START,
            Outputs: OUTPUTS,
          },
        ],
      });
    cloudFormation
      .on(DescribeStackEventsCommand)
      .resolvesOnce({
        StackEvents: [
          event('2', 2, 'ApiRepository', 'CREATE_IN_PROGRESS'),
          event('1', 1, STACK, 'CREATE_IN_PROGRESS'),
        ],
      })
      .resolves({
        StackEvents: [
          event('3', 3, 'ApiRepository', 'CREATE_COMPLETE'),
          event('2', 2, 'ApiRepository', 'CREATE_IN_PROGRESS'),
          event('1', 1, STACK, 'CREATE_IN_PROGRESS'),
        ],
      });

    const { result, lines } = deploy();

    await expect(result).resolves.toMatchObject({
      outcome: 'created',
      outputs: { DeployRoleArn: 'arn:aws:iam::111111111111:role/deploy' },
    });
    expect(cloudFormation.commandCalls(CreateChangeSetCommand)[0]?.args[0].input).toMatchObject({
      StackName: STACK,
      ChangeSetType: 'CREATE',
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'AppName', ParameterValue: 'starter' }],
    });
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)[0]?.args[0].input).toEqual({
      ChangeSetName: CHANGE_SET_ID,
    });
    const events = lines.filter((line) => line.startsWith('10:00:0'));
    expect(events).toEqual([
      `10:00:01  CREATE_IN_PROGRESS  ${STACK} (AWS::ECR::Repository)`,
      '10:00:02  CREATE_IN_PROGRESS  ApiRepository (AWS::ECR::Repository)',
      '10:00:03  CREATE_COMPLETE  ApiRepository (AWS::ECR::Repository)',
    ]);
    expect(lines).toContain('  Add ApiRepository AWS::ECR::Repository');
  });

  it('updates an existing stack through an UPDATE change set', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .resolvesOnce({
        Stacks: [{ StackName: STACK, StackStatus: 'UPDATE_COMPLETE', CreationTime: START }],
      })
      .resolves({
        Stacks: [
          {
            StackName: STACK,
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: START,
            Outputs: OUTPUTS,
          },
        ],
      });
    cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });

    await expect(deploy().result).resolves.toMatchObject({ outcome: 'updated' });
    expect(
      cloudFormation.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType,
    ).toBe('UPDATE');
  });

  it('deletes an empty change set and reports the stack unchanged', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: STACK,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: START,
          Outputs: OUTPUTS,
        },
      ],
    });
    cloudFormation.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
    });

    const { result, lines } = deploy();

    await expect(result).resolves.toMatchObject({
      outcome: 'unchanged',
      outputs: { AwsRegion: 'eu-west-1' },
    });
    expect(cloudFormation.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(lines).toContain(`Stack ${STACK} is up to date: no changes.`);
  });

  it('surfaces the reasons of the failed resources when the stack rolls back', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejectsOnce(missingStack)
      .resolvesOnce({
        Stacks: [{ StackName: STACK, StackStatus: 'ROLLBACK_IN_PROGRESS', CreationTime: START }],
      })
      .resolves({
        Stacks: [{ StackName: STACK, StackStatus: 'ROLLBACK_COMPLETE', CreationTime: START }],
      });
    cloudFormation.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        event('3', 3, 'WorkerRepository', 'CREATE_FAILED', 'Resource creation cancelled'),
        event(
          '2',
          2,
          'ApiRepository',
          'CREATE_FAILED',
          'Resource handler returned message: "starter-api already exists"',
        ),
        event('1', 1, STACK, 'CREATE_IN_PROGRESS'),
      ],
    });

    await expect(deploy().result).rejects.toThrow(
      `Stack ${STACK} ended in ROLLBACK_COMPLETE.\nFailed resources:\n  ApiRepository: Resource handler returned message: "starter-api already exists"`,
    );
  });

  it('refuses a stack whose creation failed, naming the way out', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, StackStatus: 'ROLLBACK_COMPLETE', CreationTime: START }],
    });

    await expect(deploy().result).rejects.toThrow(
      /ROLLBACK_COMPLETE.*delete-stack --stack-name starter-production/s,
    );
    expect(cloudFormation.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('fails with the change set reason when CloudFormation rejects the template', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(missingStack);
    cloudFormation
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'Parameter SshPublicKey is required' });

    await expect(deploy().result).rejects.toThrow(
      'Change set infra-deploy-1893492000000 failed: Parameter SshPublicKey is required',
    );
  });

  it('on a dry run shows the changes and removes the change set and the placeholder stack', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(missingStack);

    const { result, lines } = deploy({ dryRun: true });

    await expect(result).resolves.toMatchObject({
      outcome: 'dry-run',
      changes: [expect.anything()],
    });
    expect(lines).toContain('  Add ApiRepository AWS::ECR::Repository');
    expect(cloudFormation.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cloudFormation.commandCalls(DeleteStackCommand)[0]?.args[0].input).toEqual({
      StackName: STACK,
    });
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});

describe('GitHub settings printed after a deploy', () => {
  const STACK_SETTINGS = { appName: 'starter', repositoryPrefix: '' };

  it('lists the variables and the production secrets the workflows read', () => {
    const outputs = Object.fromEntries(
      OUTPUTS.map(({ OutputKey, OutputValue }) => [OutputKey, OutputValue]),
    );
    const settings = githubSettings(outputs, STACK_SETTINGS);
    expect(settings.filter(({ kind }) => kind === 'variable')).toEqual([
      { kind: 'variable', name: 'AWS_REGION', value: 'eu-west-1' },
      {
        kind: 'variable',
        name: 'AWS_BUILD_ROLE_ARN',
        value: 'arn:aws:iam::111111111111:role/build',
      },
      {
        kind: 'variable',
        name: 'AWS_DEPLOY_ROLE_ARN',
        value: 'arn:aws:iam::111111111111:role/deploy',
      },
      {
        kind: 'variable',
        name: 'DEPLOY_REGISTRY',
        value: '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
      },
      { kind: 'variable', name: 'DEPLOY_SSM_PATH', value: '/starter/production/' },
      { kind: 'variable', name: 'DEPLOY_APP', value: 'starter' },
      { kind: 'variable', name: 'DEPLOY_HOST', value: '203.0.113.10' },
    ]);
    expect(settings.filter(({ kind }) => kind === 'secret').map(({ name }) => name)).toEqual([
      'DEPLOY_SSH_PRIVATE_KEY',
      'DEPLOY_KNOWN_HOSTS',
    ]);
    const text = formatGitHubSettings(settings).join('\n');
    expect(text).toContain("gh variable set DEPLOY_HOST --body '203.0.113.10'");
    expect(text).toContain(
      'gh secret set DEPLOY_KNOWN_HOSTS --env production   # <output of: ssh-keyscan -t ed25519 203.0.113.10>',
    );
  });

  it('asks for the deploy secrets in every GitHub environment whose jobs reach the host', () => {
    const text = formatGitHubSettings(
      githubSettings(
        Object.fromEntries(OUTPUTS.map(({ OutputKey, OutputValue }) => [OutputKey, OutputValue])),
        STACK_SETTINGS,
      ),
      ['staging', 'production'],
    ).join('\n');
    for (const environment of ['staging', 'production']) {
      expect(text).toContain(`Secrets of the "${environment}" environment`);
      expect(text).toContain(`gh secret set DEPLOY_SSH_PRIVATE_KEY --env ${environment}`);
    }
  });

  it('asks for the host address when the stack created no host', () => {
    const outputs = Object.fromEntries(
      OUTPUTS.filter(({ OutputKey }) => OutputKey !== 'HostAddress').map(
        ({ OutputKey, OutputValue }) => [OutputKey, OutputValue],
      ),
    );
    expect(formatGitHubSettings(githubSettings(outputs, STACK_SETTINGS))).toContain(
      '  gh variable set DEPLOY_HOST --body <address of your host>',
    );
  });

  it('names the repository prefix when the stack used one', () => {
    const outputs = Object.fromEntries(
      OUTPUTS.map(({ OutputKey, OutputValue }) => [OutputKey, OutputValue]),
    );
    const settings = githubSettings(outputs, { appName: 'shop', repositoryPrefix: 'team/' });
    expect(settings).toEqual(
      expect.arrayContaining([
        { kind: 'variable', name: 'DEPLOY_APP', value: 'shop' },
        { kind: 'variable', name: 'DEPLOY_REPOSITORY_PREFIX', value: 'team/' },
      ]),
    );
  });

  it('fails loudly on a stack without the expected outputs', () => {
    expect(() => githubSettings({}, STACK_SETTINGS)).toThrow('The stack has no output AwsRegion');
  });
});

describe('parseGitHubRepository', () => {
  it.each([
    ['git@github.com:acme/shop-api.git', 'acme/shop-api'],
    ['https://github.com/acme/shop.api', 'acme/shop.api'],
    ['https://github.com/acme/shop-api.git\n', 'acme/shop-api'],
  ])('reads %s', (url, expected) => expect(parseGitHubRepository(url)).toBe(expected));

  it('rejects a remote that is not on GitHub', () => {
    expect(() => parseGitHubRepository('https://gitlab.com/acme/shop')).toThrow('--github-repo');
  });
});

describe('infra:deploy flags', () => {
  const request = (argv: string[]) =>
    requestedParameters(stackRequest(parseVerbArgs(verb, argv), () => 'ssh-ed25519 AAAA deploy\n'));

  it('accepts every flag of earlier versions', () => {
    expect(acceptedFlags(verb)).toEqual(
      expect.arrayContaining([
        'stack-name',
        'region',
        'app',
        'github-repo',
        'repository-prefix',
        'existing-oidc-provider',
        'no-host',
        'ssh-public-key',
        'ssh-cidr',
        'instance-type',
        'vpc-id',
        'subnet-id',
        'dry-run',
        'help',
      ]),
    );
  });

  it('sets only the parameters whose flags were passed: no defaults that would overwrite the stack', () => {
    expect(request(['--ssh-cidr', '203.0.113.7/32'])).toEqual({ SshAllowedCidr: '203.0.113.7/32' });
    expect(request([])).toEqual({});
  });

  it('maps the switches and reads the key file', () => {
    expect(
      request([
        '--no-host',
        '--existing-oidc-provider',
        '--repository-prefix',
        'team/',
        '--data-volume-snapshot',
        'snap-0123456789abcdef0',
      ]),
    ).toMatchObject({
      CreateHost: 'false',
      CreateOidcProvider: 'false',
      ApiRepositoryName: expect.stringMatching(/^team\//),
      DataVolumeSnapshotId: 'snap-0123456789abcdef0',
    });
    expect(request(['--host', '--ssh-public-key', 'key.pub'])).toEqual({
      CreateHost: 'true',
      SshPublicKey: 'ssh-ed25519 AAAA deploy',
    });
  });
});
