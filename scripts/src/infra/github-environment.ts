import { shellQuote } from '../lib/shell-quote';

/** The environment that takes required reviewers; every environment of infra/environments.json is set up. */
export const PRODUCTION_ENVIRONMENT = 'production';
/** The only branch whose workflows may deploy. */
export const DEPLOY_BRANCH = 'main';

export interface Reviewer {
  type: 'User' | 'Team';
  /** A user's login, or org/team-slug. */
  name: string;
}

/** `alice,acme/ops` → a user and a team. */
export function parseReviewers(list: string): Reviewer[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((name) => {
      if (!/^[A-Za-z0-9-]+(\/[A-Za-z0-9_.-]+)?$/.test(name)) {
        throw new Error(`--reviewers: "${name}" is neither a login nor org/team`);
      }
      return { type: name.includes('/') ? 'Team' : 'User', name };
    });
}

/** The `gh api` path that returns a reviewer's numeric id, which the environments API wants. */
function reviewerIdPath({ type, name }: Reviewer): string {
  if (type === 'User') return `users/${name}`;
  const [org, team] = name.split('/');
  return `orgs/${org}/teams/${team}`;
}

/** The environment's settings: deployments from custom branch policies only, and its reviewers. */
export function environmentBody<Id extends number | string>(
  reviewers: { type: Reviewer['type']; id: Id }[] | undefined,
) {
  return {
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    // Only with --reviewers: a re-run without it sends none.
    ...(reviewers ? { reviewers } : {}),
  };
}

const environmentPath = (repository: string, environment: string) =>
  `repos/${repository}/environments/${environment}`;

/** The same steps as applyEnvironmentProtection, as commands to paste (reviewer ids looked up inline). */
export function environmentCommands(
  repository: string,
  reviewers?: Reviewer[],
  environment = PRODUCTION_ENVIRONMENT,
): string[] {
  // printf fills each %s with a reviewer's id, looked up by the command itself.
  const body = JSON.stringify(
    environmentBody(reviewers?.map(({ type }) => ({ type, id: '%s' }))),
  ).replaceAll('"%s"', '%s');
  const lookups = (reviewers ?? []).map(
    (reviewer) => ` "$(gh api ${reviewerIdPath(reviewer)} --jq .id)"`,
  );
  return [
    `printf ${shellQuote(body)}${lookups.join('')} | gh api -X PUT ${environmentPath(repository, environment)} --input -`,
    `gh api -X POST ${environmentPath(repository, environment)}/deployment-branch-policies -f name=${DEPLOY_BRANCH} -f type=branch`,
  ];
}

/** Runs `gh <args>` (stdin from `input`) and returns its stdout. */
export type GhRunner = (args: string[], input?: string) => Promise<string>;

/**
 * Restricts a GitHub environment (default production) to main, creating it if needed, and sets its
 * required reviewers when given. Idempotent: the branch policy is added only if missing.
 */
export async function applyEnvironmentProtection(
  repository: string,
  reviewers: Reviewer[] | undefined,
  gh: GhRunner,
  log: (line: string) => void,
  environment = PRODUCTION_ENVIRONMENT,
): Promise<void> {
  const ids = reviewers
    ? await Promise.all(
        reviewers.map(async (reviewer) => {
          const id = Number((await gh(['api', reviewerIdPath(reviewer), '--jq', '.id'])).trim());
          if (!Number.isInteger(id)) throw new Error(`No GitHub id for reviewer ${reviewer.name}`);
          return { type: reviewer.type, id };
        }),
      )
    : undefined;
  await gh(
    ['api', '-X', 'PUT', environmentPath(repository, environment), '--input', '-'],
    JSON.stringify(environmentBody(ids)),
  );
  const policies = JSON.parse(
    await gh(['api', `${environmentPath(repository, environment)}/deployment-branch-policies`]),
  ) as { branch_policies?: { name: string; type?: string }[] };
  const hasMain = (policies.branch_policies ?? []).some(
    ({ name, type = 'branch' }) => name === DEPLOY_BRANCH && type === 'branch',
  );
  if (!hasMain) {
    await gh([
      'api',
      '-X',
      'POST',
      `${environmentPath(repository, environment)}/deployment-branch-policies`,
      '-f',
      `name=${DEPLOY_BRANCH}`,
      '-f',
      'type=branch',
    ]);
  }
  log(
    `GitHub environment ${environment} of ${repository}: deployments from ${DEPLOY_BRANCH} only` +
      (reviewers ? `, reviewers ${reviewers.map(({ name }) => name).join(', ')}` : ''),
  );
}
