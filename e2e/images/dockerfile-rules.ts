/**
 * What every image's Dockerfile must (and must not) contain. The daemons this project targets
 * run BuildKit 0.8-era frontends, so newer syntax breaks the build there even if it works on a
 * developer's machine.
 */
const FORBIDDEN: Array<[pattern: RegExp, problem: string]> = [
  [/^#\s*syntax\s*=/im, 'has a "# syntax=" line (it pulls a frontend image from Docker Hub)'],
  [/^(COPY|ADD)\b[^\n]*--link\b/im, 'uses COPY --link'],
  [
    /^(COPY|ADD)\b[^\n]*--(exclude|parents|checksum)\b/im,
    'uses a COPY/ADD flag newer than BuildKit 0.8',
  ],
  [/<<-?\s*['"]?[A-Za-z_]+['"]?\s*$/m, 'uses a heredoc'],
  [/^HEALTHCHECK\b[^\n]*--start-interval\b/im, 'uses HEALTHCHECK --start-interval'],
];

const REQUIRED: Array<[pattern: RegExp, problem: string]> = [
  [/^ARG NODE_IMAGE=\S+/m, 'lacks a default base image (ARG NODE_IMAGE=...)'],
  [/^HEALTHCHECK\s+(?!NONE)/m, 'has no HEALTHCHECK'],
  [/org\.opencontainers\.image\.revision="\$\{REVISION\}"/, 'lacks the revision label'],
  [/org\.opencontainers\.image\.source="\$\{SOURCE\}"/, 'lacks the source label'],
  [/^CMD \[/m, 'has no exec-form CMD (a shell would be PID 1 and swallow SIGTERM)'],
];

export function dockerfileProblems(dockerfile: string): string[] {
  const problems = [
    ...FORBIDDEN.filter(([pattern]) => pattern.test(dockerfile)),
    ...REQUIRED.filter(([pattern]) => !pattern.test(dockerfile)),
  ].map(([, problem]) => problem);

  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const user = [...finalStage.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
  if (!user || user === 'root' || user.startsWith('0')) {
    problems.push('does not switch the final stage to a non-root USER');
  }
  for (const [, image] of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) {
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((match) => match[1]);
    if (image !== '${NODE_IMAGE}' && !stages.includes(image)) {
      problems.push(`builds FROM ${image} instead of the NODE_IMAGE build argument`);
    }
  }
  return problems;
}
