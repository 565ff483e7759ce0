import type { Change, ResourceChange } from '@aws-sdk/client-cloudformation';

const HOST = 'AWS::EC2::Instance';
const DATA_VOLUME = 'AWS::EC2::Volume';
const DATA_ATTACHMENT = 'AWS::EC2::VolumeAttachment';
/** The resources whose replacement or interruption takes production down or touches its data. */
const GUARDED_TYPES = new Set([HOST, DATA_VOLUME, DATA_ATTACHMENT]);

export interface Disruption {
  logicalId: string;
  resourceType: string;
  effect: 'replaced' | 'removed' | 'interrupted';
  reason: string;
}

/**
 * What a change set would do to the host, its data volume and their attachment. A host change is
 * an interruption (stop and start) unless it only touches tags: the safe list is short on purpose,
 * an unknown property counts as disruptive.
 */
export function disruptions(changes: Change[]): Disruption[] {
  return changes.flatMap(({ ResourceChange: change }): Disruption[] => {
    if (!change?.ResourceType || !GUARDED_TYPES.has(change.ResourceType)) return [];
    const base = {
      logicalId: change.LogicalResourceId ?? '?',
      resourceType: change.ResourceType,
    };
    if (change.Action === 'Remove') return [{ ...base, effect: 'removed', reason: 'deleted' }];
    if (change.Action !== 'Modify' && change.Action !== 'Dynamic') return [];
    if (change.Replacement === 'True' || change.Replacement === 'Conditional') {
      return [
        {
          ...base,
          effect: 'replaced',
          reason: `${change.Replacement === 'True' ? 'replaced' : 'may be replaced'} (${changedNames(change).join(', ') || 'no detail'})`,
        },
      ];
    }
    if (change.ResourceType !== HOST) return [];
    const interrupting = (change.Details ?? [])
      .filter(({ Target }) => Target?.Attribute !== 'Tags')
      .map(({ Target }) => Target?.Name ?? Target?.Attribute ?? '?');
    if (interrupting.length === 0 && (change.Details ?? []).length > 0) return [];
    return [
      {
        ...base,
        effect: 'interrupted',
        reason: `stopped and started to change ${[...new Set(interrupting)].join(', ') || 'unknown properties'}`,
      },
    ];
  });
}

function changedNames(change: ResourceChange): string[] {
  return [
    ...new Set(
      (change.Details ?? []).map(({ Target }) => Target?.Name ?? Target?.Attribute ?? '?'),
    ),
  ];
}

export interface ReviewOptions {
  /** --allow-replacement: the user accepts replacing or restarting the host. */
  allowReplacement: boolean;
  /** --data-volume-snapshot was passed on this run: a replaced data volume gets that snapshot. */
  restoresSnapshot: boolean;
}

/** Why the change set must not run; empty when it may. */
export function reviewChanges(changes: Change[], options: ReviewOptions): string[] {
  const found = disruptions(changes);
  const lines = found.map(
    ({ logicalId, resourceType, reason }) => `${logicalId} (${resourceType}) would be ${reason}`,
  );
  if (found.length === 0) return [];
  if (!options.allowReplacement) {
    return [
      ...lines,
      'This would take production down or touch its data. Review the change set above; pass',
      '--allow-replacement to accept it (README, Deploying: what a re-run changes).',
    ];
  }
  const replaced = (type: string) =>
    found.some(({ resourceType, effect }) => resourceType === type && effect === 'replaced');
  const refusals: string[] = [];
  if (replaced(DATA_VOLUME) && !options.restoresSnapshot) {
    refusals.push(
      'The data volume would be replaced by an empty one or by an old snapshot. Name the snapshot ' +
        'to restore with --data-volume-snapshot <snap-id> (README: restore).',
    );
  }
  // A stack of the earlier template gains its data volume on the new host: nothing to move.
  const volumeAdded = changes.some(
    ({ ResourceChange: change }) => change?.ResourceType === DATA_VOLUME && change.Action === 'Add',
  );
  if (
    replaced(HOST) &&
    !replaced(DATA_VOLUME) &&
    !volumeAdded &&
    !found.some(({ effect }) => effect === 'removed')
  ) {
    refusals.push(
      'The host would be replaced while its data volume stays attached to the old one, which ' +
        'CloudFormation cannot move (the update would fail). Snapshot the volume and restore it ' +
        'onto the new host: --data-volume-snapshot <snap-id> --allow-replacement (README: restore).',
    );
  }
  return refusals.length ? [...lines, ...refusals] : [];
}
