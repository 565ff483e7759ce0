import { spawnSync } from 'node:child_process';
import {
  applyEnvironmentProtection,
  environmentCommands,
  parseReviewers,
} from '../src/infra/github-environment';

const REPO = 'acme/shop';
const ENVIRONMENT = `repos/${REPO}/environments/production`;

/** A fake `gh`: records each call and answers like GitHub's API. */
function fakeGh(existingPolicies: { name: string; type?: string }[]) {
  const calls: { args: string[]; input?: string }[] = [];
  const ids: Record<string, string> = { 'users/alice': '583231', 'orgs/acme/teams/ops': '9100' };
  const gh = (args: string[], input?: string) => {
    calls.push({ args, input });
    const [, ...rest] = args;
    if (rest[0] && ids[rest[0]]) return Promise.resolve(`${ids[rest[0]]}\n`);
    if (rest[0] === `${ENVIRONMENT}/deployment-branch-policies`) {
      return Promise.resolve(
        JSON.stringify({ total_count: existingPolicies.length, branch_policies: existingPolicies }),
      );
    }
    return Promise.resolve('{}');
  };
  return { gh, calls };
}

describe('the production environment', () => {
  it('restricts deployments to main and sets the reviewers by their ids', async () => {
    const { gh, calls } = fakeGh([]);
    const lines: string[] = [];

    await applyEnvironmentProtection(REPO, parseReviewers('alice, acme/ops'), gh, (line) =>
      lines.push(line),
    );

    const put = calls.find(({ args }) => args.includes('PUT'));
    expect(put?.args).toEqual(['api', '-X', 'PUT', ENVIRONMENT, '--input', '-']);
    expect(JSON.parse(put?.input ?? '')).toEqual({
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      reviewers: [
        { type: 'User', id: 583231 },
        { type: 'Team', id: 9100 },
      ],
    });
    expect(calls.at(-1)?.args).toEqual([
      'api',
      '-X',
      'POST',
      `${ENVIRONMENT}/deployment-branch-policies`,
      '-f',
      'name=main',
      '-f',
      'type=branch',
    ]);
    expect(lines).toEqual([
      'GitHub environment production of acme/shop: deployments from main only, reviewers alice, acme/ops',
    ]);
  });

  it('adds the main policy only once, and sends no reviewers without --reviewers', async () => {
    const { gh, calls } = fakeGh([{ name: 'main', type: 'branch' }]);

    await applyEnvironmentProtection(REPO, undefined, gh, () => undefined);

    expect(calls.some(({ args }) => args.includes('POST'))).toBe(false);
    const put = calls.find(({ args }) => args.includes('PUT'));
    expect(JSON.parse(put?.input ?? '')).not.toHaveProperty('reviewers');
  });

  it('prints commands a shell runs as they are, looking the reviewer ids up inline', () => {
    const [put, policy] = environmentCommands(REPO, parseReviewers('alice,acme/ops'));
    expect(put).toBe(
      `printf '{"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true},"reviewers":[{"type":"User","id":%s},{"type":"Team","id":%s}]}'` +
        ` "$(gh api users/alice --jq .id)" "$(gh api orgs/acme/teams/ops --jq .id)" | gh api -X PUT ${ENVIRONMENT} --input -`,
    );
    expect(policy).toBe(
      `gh api -X POST ${ENVIRONMENT}/deployment-branch-policies -f name=main -f type=branch`,
    );
    // With a stand-in gh that prints its stdin or a fixed id, the pipeline yields the API body.
    const stub = `gh() { if [ "$2" = "-X" ]; then cat; else echo 42; fi; }; `;
    const run = spawnSync('bash', ['-c', stub + put], { encoding: 'utf8' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      reviewers: [
        { type: 'User', id: 42 },
        { type: 'Team', id: 42 },
      ],
    });
  });

  it('rejects a reviewer that is neither a login nor org/team', () => {
    expect(() => parseReviewers('alice,ac me')).toThrow('"ac me" is neither a login nor org/team');
  });
});
