import type { DeployConfig } from '@starter/config';

/**
 * Where a deployment lives on the host and how its compose projects are named. A release is
 * identified by its image tag everywhere: directory, compose project, network alias.
 */
export function hostLayout(config: Pick<DeployConfig, 'app' | 'dir'>) {
  const { dir, app } = config;
  return {
    dir,
    releases: `${dir}/releases`,
    release: (tag: string) => `${dir}/releases/${tag}`,
    /** The release manifest the release was deployed from (commit, digests, build, CI run). */
    manifest: (tag: string) => `${dir}/releases/${tag}/release.json`,
    current: `${dir}/current`,
    previous: `${dir}/previous`,
    /** Every release that went live, oldest first: the order retention keeps them in. */
    history: `${dir}/history`,
    audit: `${dir}/audit.log`,
    lock: `${dir}/lock`,
    proxyConf: `${dir}/proxy`,
    /** PostgreSQL's credentials for the bundled data services (mode 0600). */
    dataEnv: `${dir}/data.env`,
    /** The long-lived project no release replaces: the proxy and the bundled data services. */
    stackProject: app,
    edgeNetwork: `${app}-edge`,
    dataNetwork: `${app}-data`,
    proxyContainer: `${app}-proxy-1`,
    releaseProject: (tag: string) => `${app}-${tag}`,
  };
}

export type HostLayout = ReturnType<typeof hostLayout>;
