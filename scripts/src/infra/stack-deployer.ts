import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Change,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Parameter,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { explainAwsError } from '../lib/aws-errors';

export interface DeployStackOptions {
  client: CloudFormationClient;
  stackName: string;
  templateBody: string;
  /** The parameters of a new stack (existing undefined) or of an update of `existing`. */
  parameters: (existing: Stack | undefined) => Promise<Parameter[]>;
  /** Reasons not to execute the change set (shown, then the change set is deleted); [] to run it. */
  review?: (changes: Change[]) => string[];
  /** Create and print the change set, then delete it instead of executing it. */
  dryRun?: boolean;
  log?: (line: string) => void;
  pollIntervalMs?: number;
  now?: () => Date;
}

export type DeployStackResult =
  | {
      outcome: 'created' | 'updated' | 'unchanged';
      outputs: Record<string, string>;
      parameters: Record<string, string>;
    }
  | { outcome: 'dry-run'; changes: Change[]; refusals: string[] };

const NO_CHANGES = /didn't contain changes|No updates are to be performed/;
const SUCCESS_STATUSES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

/**
 * Creates or updates the stack through a change set, streaming its events until it settles.
 * Throws with the failed resources' reasons when CloudFormation rolls back.
 */
export async function deployStack(options: DeployStackOptions): Promise<DeployStackResult> {
  const {
    client,
    stackName,
    log = console.log,
    pollIntervalMs = 5000,
    now = () => new Date(),
  } = options;
  const existing = await describeStack(client, stackName);
  assertDeployable(stackName, existing);
  // A stack left in REVIEW_IN_PROGRESS by an earlier, never executed change set is created anew.
  const changeSetType =
    existing && existing.StackStatus !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';
  const changeSetName = `infra-deploy-${now().getTime()}`;
  const parameters = await options.parameters(changeSetType === 'UPDATE' ? existing : undefined);

  log(
    `${changeSetType === 'CREATE' ? 'Creating' : 'Updating'} stack ${stackName}: preparing change set`,
  );
  const { Id: changeSetId } = await client.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: changeSetType,
      TemplateBody: options.templateBody,
      Parameters: parameters,
      Capabilities: ['CAPABILITY_IAM'],
    }),
  );
  if (!changeSetId) throw new Error('CloudFormation returned no change set id');

  const changeSet = await waitForChangeSet(client, changeSetId, pollIntervalMs);
  if (changeSet.Status === 'FAILED') {
    if (NO_CHANGES.test(changeSet.StatusReason ?? '')) {
      await client.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId }));
      log(`Stack ${stackName} is up to date: no changes.`);
      return { outcome: 'unchanged', ...(await settledStack(client, stackName)) };
    }
    throw new Error(
      `Change set ${changeSetName} failed: ${changeSet.StatusReason ?? 'no reason given'}`,
    );
  }

  const changes = changeSet.Changes ?? [];
  for (const line of describeChanges(changes)) log(line);
  const refusals = options.review?.(changes) ?? [];

  const discard = async () => {
    await client.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId }));
    // Creating a change set for a new stack creates an empty stack; leave nothing behind.
    if (changeSetType === 'CREATE')
      await client.send(new DeleteStackCommand({ StackName: stackName }));
  };
  if (options.dryRun) {
    await discard();
    if (refusals.length)
      log(`Without --dry-run this would be refused:\n  ${refusals.join('\n  ')}`);
    log('Dry run: change set deleted, nothing was changed.');
    return { outcome: 'dry-run', changes, refusals };
  }
  if (refusals.length) {
    await discard();
    throw new Error(
      `Change set ${changeSetName} refused, nothing was changed:\n  ${refusals.join('\n  ')}`,
    );
  }

  const startedAt = now();
  await client.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSetId }));
  const stack = await followStackEvents(client, stackName, startedAt, pollIntervalMs, log);
  return {
    outcome: changeSetType === 'CREATE' ? 'created' : 'updated',
    outputs: outputsOf(stack),
    parameters: parametersOf(stack),
  };
}

async function describeStack(
  client: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0];
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
    throw explainAwsError(error, `reading stack ${stackName}`);
  }
}

function assertDeployable(stackName: string, stack: Stack | undefined): void {
  const status = stack?.StackStatus;
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    throw new Error(
      `Stack ${stackName} is ${status}: its creation failed and it cannot be updated. ` +
        `Read its events, delete it (aws cloudformation delete-stack --stack-name ${stackName}) and run again.`,
    );
  }
  if (status?.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS') {
    throw new Error(
      `Stack ${stackName} is ${status}: wait for that operation to finish and run again.`,
    );
  }
}

async function waitForChangeSet(
  client: CloudFormationClient,
  changeSetId: string,
  pollIntervalMs: number,
): Promise<DescribeChangeSetCommandOutput> {
  for (;;) {
    const changeSet = await client.send(
      new DescribeChangeSetCommand({ ChangeSetName: changeSetId }),
    );
    if (changeSet.Status === 'FAILED') return changeSet;
    if (changeSet.Status === 'CREATE_COMPLETE') {
      // Every change counts for the review, not only the first page's.
      const changes = [...(changeSet.Changes ?? [])];
      for (let next = changeSet.NextToken; next;) {
        const page = await client.send(
          new DescribeChangeSetCommand({ ChangeSetName: changeSetId, NextToken: next }),
        );
        changes.push(...(page.Changes ?? []));
        next = page.NextToken;
      }
      return { ...changeSet, Changes: changes, NextToken: undefined };
    }
    if (changeSet.Status !== 'CREATE_PENDING' && changeSet.Status !== 'CREATE_IN_PROGRESS') {
      throw new Error(`Change set ${changeSetId} is ${changeSet.Status ?? 'in no known status'}`);
    }
    await sleep(pollIntervalMs);
  }
}

export function describeChanges(changes: Change[]): string[] {
  if (changes.length === 0)
    return ['Change set: no resource changes (outputs or parameters only).'];
  return [
    'Change set:',
    ...changes.map(({ ResourceChange: change }) => {
      const replacement =
        change?.Replacement === 'True'
          ? ' (replacement)'
          : change?.Replacement === 'Conditional'
            ? ' (replacement: conditional)'
            : '';
      // Delete, Snapshot, ReplaceAndSnapshot...: what happens to the old resource.
      const policy = change?.PolicyAction ? ` [${change.PolicyAction}]` : '';
      return `  ${change?.Action ?? '?'} ${change?.LogicalResourceId ?? '?'} ${change?.ResourceType ?? ''}${replacement}${policy}`;
    }),
  ];
}

/** Prints each new stack event until the stack reaches a final status; returns the settled stack. */
async function followStackEvents(
  client: CloudFormationClient,
  stackName: string,
  since: Date,
  pollIntervalMs: number,
  log: (line: string) => void,
): Promise<Stack> {
  const seen = new Set<string>();
  const failures: string[] = [];
  for (;;) {
    for (const event of await newEvents(client, stackName, since, seen)) {
      log(formatEvent(event));
      if (event.ResourceStatus?.endsWith('_FAILED') && isCause(event.ResourceStatusReason)) {
        failures.push(`${event.LogicalResourceId}: ${event.ResourceStatusReason}`);
      }
    }
    const stack = await describeStack(client, stackName);
    const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
    if (!status.endsWith('_IN_PROGRESS')) {
      if (stack && SUCCESS_STATUSES.has(status)) return stack;
      throw new Error(
        `Stack ${stackName} ended in ${status}.` +
          (failures.length ? `\nFailed resources:\n  ${failures.join('\n  ')}` : ''),
      );
    }
    await sleep(pollIntervalMs);
  }
}

/** Resources CloudFormation cancels because another one failed are consequences, not causes. */
function isCause(reason: string | undefined): reason is string {
  return Boolean(reason) && !/cancelled/i.test(reason ?? '');
}

async function newEvents(
  client: CloudFormationClient,
  stackName: string,
  since: Date,
  seen: Set<string>,
): Promise<StackEvent[]> {
  const fresh: StackEvent[] = [];
  let nextToken: string | undefined;
  // Events come newest first: page back until one was already printed or predates the run.
  pages: do {
    const page = await client.send(
      new DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken }),
    );
    for (const event of page.StackEvents ?? []) {
      if (
        !event.EventId ||
        seen.has(event.EventId) ||
        (event.Timestamp && event.Timestamp < since)
      ) {
        break pages;
      }
      seen.add(event.EventId);
      fresh.push(event);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return fresh.reverse();
}

function formatEvent(event: StackEvent): string {
  const time = event.Timestamp?.toISOString().slice(11, 19) ?? '--:--:--';
  const reason = event.ResourceStatusReason ? `  ${event.ResourceStatusReason}` : '';
  return `${time}  ${event.ResourceStatus ?? ''}  ${event.LogicalResourceId ?? ''} (${event.ResourceType ?? ''})${reason}`;
}

async function settledStack(
  client: CloudFormationClient,
  stackName: string,
): Promise<{ outputs: Record<string, string>; parameters: Record<string, string> }> {
  const stack = await describeStack(client, stackName);
  if (!stack) throw new Error(`Stack ${stackName} disappeared`);
  return { outputs: outputsOf(stack), parameters: parametersOf(stack) };
}

function outputsOf(stack: Stack): Record<string, string> {
  return Object.fromEntries(
    (stack.Outputs ?? []).flatMap(({ OutputKey, OutputValue }) =>
      OutputKey && OutputValue !== undefined ? [[OutputKey, OutputValue]] : [],
    ),
  );
}

function parametersOf(stack: Stack): Record<string, string> {
  return Object.fromEntries(
    (stack.Parameters ?? []).flatMap(({ ParameterKey, ParameterValue }) =>
      ParameterKey && ParameterValue !== undefined ? [[ParameterKey, ParameterValue]] : [],
    ),
  );
}
