import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deployEnvSchema, IMAGES } from '@starter/config';
import { type Tags, parse } from 'yaml';
import {
  ENVIRONMENTS_FILE,
  githubEnvironmentOf,
  readEnvironments,
} from '../src/deploy/environments';
import {
  checkParameterPaths,
  DEFAULT_APP_NAME,
  oidcSubjects,
  requestedParameters,
  STACK_PARAMETER_KEYS,
} from '../src/infra/stack-config';
import { manifestTag } from '../src/release/release-manifest';

const environments = readEnvironments(ENVIRONMENTS_FILE);
/** The releases the registry keeps (README, Deploying). */
const RETAINED_RELEASES = 30;
const GITHUB_ENVIRONMENTS = Object.keys(environments).map((name) =>
  githubEnvironmentOf(environments, name),
);

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
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Record<string, any>;
}

const templateText = readFileSync(path.resolve(__dirname, '../../infra/aws/stack.yaml'), 'utf8');
const template = parse(templateText, { customTags }) as {
  Parameters: Record<string, { Type: string; Default?: string | number; MinValue?: number }>;
  Rules: Record<string, { Assertions: { Assert: unknown }[] }>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
};
const resources = template.Resources;
const resource = (id: string): Resource => {
  const found = resources[id];
  if (!found) throw new Error(`stack.yaml has no resource ${id}`);
  return found;
};
const ofType = (type: string) =>
  Object.entries(resources).filter(([, candidate]) => candidate.Type === type);
const trust = (role: Resource): Statement[] =>
  role.Properties.AssumeRolePolicyDocument.Statement as Statement[];
const permissions = (role: Resource): Statement[] =>
  ((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
const actions = (statement: Statement): string[] => [statement.Action].flat();
const allowedActions = (role: Resource) => permissions(role).flatMap(actions).sort();
const REPOSITORY_ARNS = [
  { 'Fn::GetAtt': ['ApiRepository', 'Arn'] },
  { 'Fn::GetAtt': ['WorkerRepository', 'Arn'] },
];
const PUSH_ACTIONS = [
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
];
const userData = () => resource('Host').Properties.UserData['Fn::Base64']['Fn::Sub'] as string;

describe('infra/aws/stack.yaml', () => {
  it('uses no YAML aliases, which CloudFormation rejects', () => {
    expect(templateText).not.toMatch(/[&*][A-Za-z]\w*\s*$/m);
  });

  it('declares exactly the parameters infra:deploy plans, so an update can keep each one', () => {
    expect(Object.keys(template.Parameters).sort()).toEqual([...STACK_PARAMETER_KEYS].sort());
  });

  it('trusts the subjects infra:deploy makes of infra/environments.json, whose SSM paths the role may read', () => {
    const subjects = template.Parameters.DeployEnvironmentSubjects as {
      Type: string;
      AllowedPattern: string;
      Default?: string;
    };
    expect(subjects.Type).toBe('CommaDelimitedList');
    // No default: every run of infra:deploy sends the list.
    expect(subjects.Default).toBeUndefined();
    const pattern = new RegExp(`^(?:${subjects.AllowedPattern})$`);
    const made = oidcSubjects('acme/shop', GITHUB_ENVIRONMENTS).split(',');
    expect(made).toHaveLength(GITHUB_ENVIRONMENTS.length);
    for (const subject of made) expect(subject).toMatch(pattern);
    expect('repo:acme/shop:environment:a,b').not.toMatch(pattern);
    expect(() => oidcSubjects('acme/shop', ['a,b'])).toThrow('cannot contain a comma');

    expect(template.Parameters.AppName?.Default).toBe(DEFAULT_APP_NAME);
    expect(deployEnvSchema.in.shape.DEPLOY_APP.parse(undefined)).toBe(DEFAULT_APP_NAME);
    const paths = Object.fromEntries(
      Object.entries(environments).flatMap(([name, { ssmPath }]) =>
        ssmPath ? [[name, ssmPath]] : [],
      ),
    );
    expect(() => checkParameterPaths(DEFAULT_APP_NAME, paths)).not.toThrow();
  });

  it('takes the AMI as a plain id, which CloudFormation never resolves again on an update', () => {
    for (const [name, parameter] of Object.entries(template.Parameters)) {
      expect([name, parameter.Type]).not.toEqual([name, expect.stringMatching(/^AWS::SSM::/)]);
    }
    expect(templateText).not.toContain('/aws/service/');
    expect(template.Parameters.HostImageId).toMatchObject({ Type: 'String', Default: '' });
    expect(JSON.stringify(template.Rules)).toContain('"HostImageId"');
    expect(resource('Host').Properties.ImageId).toEqual({ Ref: 'HostImageId' });
  });

  it('has no default for the SSH network: the rules require one with a host', () => {
    expect(template.Parameters.SshAllowedCidr?.Default).toBe('');
    expect(JSON.stringify(template.Rules)).toContain('"SshAllowedCidr"');
  });

  it('creates immutable, scanned ECR repositories for both images with the same lifecycle policy', () => {
    const repositories = ofType('AWS::ECR::Repository').map(([, found]) => found.Properties);
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
        // The api repository holds a release manifest beside each release's image: counted on
        // their own, the manifests leave the last 30 releases' images to the last rule.
        {
          rulePriority: 2,
          description: expect.any(String),
          selection: {
            tagStatus: 'tagged',
            tagPatternList: [`${manifestTag('')}*`],
            countType: 'imageCountMoreThan',
            countNumber: RETAINED_RELEASES,
          },
          action: { type: 'expire' },
        },
        // ECR evaluates a tagStatus any rule last.
        {
          rulePriority: 3,
          description: expect.any(String),
          selection: {
            tagStatus: 'any',
            countType: 'imageCountMoreThan',
            countNumber: RETAINED_RELEASES,
          },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it.each([
    // infra:deploy fills the list in from infra/environments.json (infra-update-path.spec.ts).
    ['DeployRole', { Ref: 'DeployEnvironmentSubjects' }],
    ['BuildRole', { 'Fn::Sub': 'repo:${GitHubRepository}:ref:refs/heads/main' }],
  ])('lets only %s assume its subjects of GitHub OIDC: %j', (role, subject) => {
    expect(trust(resource(role))).toEqual([
      {
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
            'token.actions.githubusercontent.com:sub': subject,
          },
        },
      },
    ]);
  });

  it('lets the build role push to the two repositories and nothing else', () => {
    const build = resource('BuildRole');
    expect(allowedActions(build)).toEqual(
      [
        'ecr:GetAuthorizationToken',
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        // Reads the release manifest back (its config blob) after recording it.
        'ecr:GetDownloadUrlForLayer',
        ...PUSH_ACTIONS,
      ].sort(),
    );
    for (const statement of permissions(build)) {
      expect(statement.Resource).toEqual(
        actions(statement).includes('ecr:GetAuthorizationToken') ? '*' : REPOSITORY_ARNS,
      );
    }
    expect(JSON.stringify(permissions(build))).not.toMatch(/ssm:|kms:/);
  });

  it('lets the deploy role pull, read the production parameters and decrypt them through SSM, never push', () => {
    const deploy = resource('DeployRole');
    expect(allowedActions(deploy)).toEqual(
      [
        'ecr:GetAuthorizationToken',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchCheckLayerAvailability',
        'ssm:GetParametersByPath',
        'ssm:GetParameter',
        'ssm:GetParameters',
        'kms:Decrypt',
      ].sort(),
    );
    for (const action of PUSH_ACTIONS) expect(allowedActions(deploy)).not.toContain(action);
    for (const statement of permissions(deploy)) {
      const [first] = actions(statement);
      if (first === 'ecr:GetAuthorizationToken') expect(statement.Resource).toBe('*');
      else if (first?.startsWith('ecr:')) expect(statement.Resource).toEqual(REPOSITORY_ARNS);
      else if (first?.startsWith('ssm:')) {
        // This app's parameters only: infra:deploy keeps every environment's path under them.
        expect(statement.Resource).toEqual(
          ['', '/*'].map((tail) => ({
            'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/\${AppName}${tail}`,
          })),
        );
      } else {
        expect(statement.Condition).toEqual({
          StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.${AWS::URLSuffix}' } },
          StringLike: {
            'kms:EncryptionContext:PARAMETER_ARN': {
              'Fn::Sub':
                'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AppName}/*',
            },
          },
        });
      }
    }
  });

  it('has no wildcard principal or action anywhere', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);
    for (const [, role] of roles) {
      for (const statement of [...trust(role), ...permissions(role)]) {
        expect(JSON.stringify(statement.Principal ?? {})).not.toContain('"*"');
        for (const action of actions(statement)) expect(action).not.toMatch(/\*/);
      }
    }
    expect(templateText).not.toContain('ecr:*');
  });

  it('makes the OIDC provider and everything of the host optional', () => {
    expect(resource('GitHubOidcProvider').Condition).toBe('ShouldCreateOidcProvider');
    const hostResources = Object.keys(resources).filter(
      (id) =>
        ![
          'ApiRepository',
          'WorkerRepository',
          'GitHubOidcProvider',
          'BuildRole',
          'DeployRole',
        ].includes(id),
    );
    expect(hostResources).toEqual(
      expect.arrayContaining(['Host', 'DataVolume', 'DataVolumeAttachment', 'DataSnapshotPolicy']),
    );
    for (const id of hostResources) {
      expect([id, resources[id]?.Condition]).toEqual([id, 'ShouldCreateHost']);
    }
  });

  it('gives the host a role for Session Manager only, without the parameter reads of AmazonSSMManagedInstanceCore', () => {
    const role = resource('HostRole');
    expect(trust(role)).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Principal: { Service: { 'Fn::Sub': 'ec2.${AWS::URLSuffix}' } },
      }),
    ]);
    expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
    expect(allowedActions(role)).toEqual(
      [
        'ssm:UpdateInstanceInformation',
        'ssmmessages:CreateControlChannel',
        'ssmmessages:CreateDataChannel',
        'ssmmessages:OpenControlChannel',
        'ssmmessages:OpenDataChannel',
      ].sort(),
    );
    expect(resource('HostInstanceProfile').Properties.Roles).toEqual([{ Ref: 'HostRole' }]);
    expect(resource('Host').Properties.IamInstanceProfile).toEqual({ Ref: 'HostInstanceProfile' });
    expect(template.Outputs.HostInstanceId?.Value).toEqual({ Ref: 'Host' });
  });

  it("requires IMDSv2, out of the containers' reach, through the launch template", () => {
    const data = resource('HostLaunchTemplate').Properties.LaunchTemplateData;
    expect(data.MetadataOptions).toEqual({
      HttpEndpoint: 'enabled',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 1,
    });
    expect(resource('Host').Properties.LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: 'HostLaunchTemplate' },
      Version: { 'Fn::GetAtt': ['HostLaunchTemplate', 'LatestVersionNumber'] },
    });
  });

  it('encrypts the root volume', () => {
    expect(resource('Host').Properties.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/sda1', Ebs: expect.objectContaining({ Encrypted: true }) },
    ]);
  });

  it('keeps the data on its own encrypted volume, snapshotted when deleted or replaced', () => {
    const volume = resource('DataVolume');
    expect(volume).toMatchObject({
      Type: 'AWS::EC2::Volume',
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
    expect(volume.Properties).toMatchObject({
      Encrypted: true,
      AvailabilityZone: { 'Fn::GetAtt': ['Host', 'AvailabilityZone'] },
      Size: { Ref: 'DataVolumeSizeGiB' },
    });
    expect(resource('DataVolumeAttachment').Properties).toEqual({
      InstanceId: { Ref: 'Host' },
      VolumeId: { Ref: 'DataVolume' },
      Device: '/dev/sdf',
    });
  });

  it('restores from DataVolumeSnapshotId onto a new host: the snapshot is part of the launch template', () => {
    expect(resource('DataVolume').Properties.SnapshotId).toEqual({
      'Fn::If': ['HasDataVolumeSnapshot', { Ref: 'DataVolumeSnapshotId' }, { Ref: 'AWS::NoValue' }],
    });
    expect(template.Parameters.DataVolumeSnapshotId?.Default).toBe('');
    expect(JSON.stringify(resource('HostLaunchTemplate').Properties.LaunchTemplateData)).toContain(
      '{"Ref":"DataVolumeSnapshotId"}',
    );
  });

  it('snapshots the data volume daily with Data Lifecycle Manager and keeps DataSnapshotRetentionCount of them', () => {
    const policy = resource('DataSnapshotPolicy');
    expect(policy.Type).toBe('AWS::DLM::LifecyclePolicy');
    const details = policy.Properties.PolicyDetails;
    expect(policy.Properties.State).toBe('ENABLED');
    expect(details.ResourceTypes).toEqual(['VOLUME']);
    expect(details.TargetTags).toHaveLength(1);
    expect(resource('DataVolume').Properties.Tags).toContainEqual(details.TargetTags[0]);
    expect(details.Schedules).toEqual([
      expect.objectContaining({
        CreateRule: expect.objectContaining({ Interval: 24, IntervalUnit: 'HOURS' }),
        RetainRule: { Count: { Ref: 'DataSnapshotRetentionCount' } },
      }),
    ]);
    expect(template.Parameters.DataSnapshotRetentionCount).toMatchObject({
      Type: 'Number',
      Default: 14,
      MinValue: 1,
    });
    expect(policy.Properties.ExecutionRoleArn).toEqual({
      'Fn::GetAtt': ['DataSnapshotRole', 'Arn'],
    });
    const role = resource('DataSnapshotRole');
    expect(trust(role)).toEqual([
      expect.objectContaining({ Principal: { Service: 'dlm.amazonaws.com' } }),
    ]);
    expect(role.Properties.ManagedPolicyArns).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole',
      },
    ]);
  });

  it('mounts the data volume at /var/lib/docker/volumes before Docker is installed, and Docker requires the mount', () => {
    const script = userData();
    expect(script).toContain('data_mount=/var/lib/docker/volumes');
    const mounted = script.indexOf('mount "$data_mount"');
    expect(mounted).toBeGreaterThan(-1);
    expect(mounted).toBeLessThan(script.indexOf('apt-get install -y docker-ce'));
    expect(script).toContain('RequiresMountsFor=%s');
    expect(script).toContain('/etc/systemd/system/docker.service.d/data-volume.conf');
    // Formats only a blank volume: a restored one keeps its data.
    expect(script).toMatch(/if ! blkid "\$data_disk" > \/dev\/null; then mkfs\.ext4/);
    expect(script).toMatch(/UUID=\$data_uuid \$data_mount ext4 defaults,nofail/);
  });

  it('has user data that bash parses once CloudFormation substitutes it', () => {
    const rendered = userData().replaceAll(/\$\{(\w+)\}/g, (_, name: string) => {
      const value = { AppName: 'starter', SshPublicKey: 'ssh-ed25519 AAAA deploy' }[name];
      if (value === undefined) throw new Error(`user data substitutes an unknown \${${name}}`);
      return value;
    });
    const check = spawnSync('bash', ['-n'], { input: rendered, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('configures no registry credential helper on the host, so `docker login` can store the token', () => {
    expect(userData()).not.toMatch(/credHelpers|credsStore|ecr-login|ecr-credential-helper/);
    expect(userData()).not.toContain('.docker/config.json');
  });

  it('opens SSH only to the given network, HTTP and HTTPS to all', () => {
    const ingress = resource('HostSecurityGroup').Properties.SecurityGroupIngress as Record<
      string,
      unknown
    >[];
    expect(ingress.filter((rule) => rule.FromPort === 22)).toEqual([
      expect.objectContaining({ CidrIp: { Ref: 'SshAllowedCidr' } }),
    ]);
    expect(new Set(ingress.map((rule) => rule.FromPort))).toEqual(new Set([22, 80, 443]));
  });

  it('installs Docker with Compose, the deploy user and the release directory on the host', () => {
    const script = userData();
    expect(script).toContain('docker-compose-plugin');
    expect(script).toContain('useradd --create-home --shell /bin/bash --groups docker deploy');
    expect(script).toContain("echo '${SshPublicKey}' > /home/deploy/.ssh/authorized_keys");
    expect(script).toContain('/srv/${AppName}');
  });

  it('outputs both role ARNs for the GitHub variables', () => {
    expect(template.Outputs.BuildRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['BuildRole', 'Arn'] });
    expect(template.Outputs.DeployRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['DeployRole', 'Arn'] });
  });

  it('names the repositories after IMAGES in packages/config', () => {
    expect(requestedParameters({ repositoryPrefix: 'team-', createHost: false })).toEqual({
      ApiRepositoryName: `team-${IMAGES.api.repository}`,
      WorkerRepositoryName: `team-${IMAGES.worker.repository}`,
      CreateHost: 'false',
    });
  });
});
