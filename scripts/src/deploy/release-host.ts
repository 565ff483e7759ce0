import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DeployConfig, ImageName } from '@starter/config';
import type { RegistryCredentials } from '../lib/registry';
import { REPO_ROOT } from '../lib/repo-root';
import { shellJoin, shellQuote as q } from '../lib/shell-quote';
import type { Remote } from '../lib/ssh';
import { releaseManifestSchema, type ReleaseManifest } from '../release/release-manifest';
import { parseAuditLog, type AuditEntry } from './audit-log';
import { composeVariables, renderComposeEnv, type ReleaseDigests } from './compose-env';
import { DATA_SERVICES } from './data-services';
import { hostLayout, type HostLayout } from './host-layout';
import {
  ACME_CA_ROOT_FILE,
  parseProxyResponse,
  PROXY_CONFIG_DIR,
  PROXY_CONFIG_FILE,
  renderProxyConfig,
} from './proxy-config';
import { availableReleases, imagesToDelete, retainedReleases } from './retention';

export const PRODUCTION_COMPOSE_FILE = path.join(REPO_ROOT, 'infra/compose.production.yml');

/** The app.env a release was deployed with, once a rollback rendered a newer one. */
const DEPLOYED_APP_ENV = 'app.env.deployed';

/** Added to a step's own bound (a stop grace, a drain) for its time limit on the host. */
const MARGIN_SECONDS = 60;

/**
 * Inodes of the proxy's client connections on the port that proxies to the API (443, or 80 with
 * TLS off; the other one only redirects), in any state but LISTEN and TIME_WAIT, from the
 * container's own /proc: sh and awk are what the proxy image offers.
 */
const proxyClientSockets = (port: 80 | 443) =>
  `cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 != "0A" && $10 ~ /^[1-9]/ && $2 ~ /:${port.toString(16).toUpperCase().padStart(4, '0')}$/ { print $10 }'`;
/** Caddy's admin API (localhost:2019, port 07E3), which `caddy reload` talks to, is listening. */
const PROXY_ADMIN_LISTENING =
  'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk \'$4 == "0A" && $2 ~ /:07E3$/ { found = 1 } END { exit !found }\'';

export interface HostState {
  current: string | undefined;
  previous: string | undefined;
}

/** The deploy host as the verbs see it: every operation is one bash script over ssh. */
export class ReleaseHost {
  readonly layout: HostLayout;

  constructor(
    private readonly remote: Remote,
    private readonly config: DeployConfig,
  ) {
    this.layout = hostLayout(config);
  }

  private get timeouts() {
    const { timeouts, workerStopGraceSeconds } = this.config;
    return {
      ...timeouts,
      /** Stopping a worker: Docker kills it after its stop grace period. */
      workerStop: workerStopGraceSeconds + MARGIN_SECONDS,
      reload: timeouts.proxyDrain + MARGIN_SECONDS,
    };
  }

  /** `docker compose` for one release's project, with that release's files. */
  private compose(tag: string, project = this.layout.releaseProject(tag)): string {
    const release = this.layout.release(tag);
    return shellJoin([
      'docker',
      'compose',
      '-p',
      project,
      '-f',
      `${release}/compose.yml`,
      '--env-file',
      `${release}/compose.env`,
    ]);
  }

  private get repositories(): string[] {
    return [this.config.repositories.api, this.config.repositories.worker].map(
      (repository) => `${this.config.registry}/${repository}`,
    );
  }

  /** Versions of the tools the deploy relies on; fails naming the one that is missing. */
  async preflight(): Promise<string> {
    const output = await this.remote.run(
      [
        'for tool in docker curl flock setsid timeout; do command -v "$tool" >/dev/null || { echo "$tool is not installed on the host" >&2; exit 1; }; done',
        `echo "docker $(docker version --format '{{.Server.Version}}')"`,
        'echo "compose $(docker compose version --short)"',
      ].join('\n'),
    );
    return output.trim().replaceAll('\n', ', ');
  }

  async readState(): Promise<HostState> {
    const output = await this.remote.run(
      `cat ${q(this.layout.current)} 2>/dev/null || echo; cat ${q(this.layout.previous)} 2>/dev/null || echo`,
    );
    const [current, previous] = output.split('\n').map((line) => line.trim() || undefined);
    return { current, previous };
  }

  /** Writes a file through stdin (never argv), replacing it atomically. */
  private async writeFile(file: string, content: string, mode: '600' | '644'): Promise<void> {
    await this.remote.run(
      `mkdir -p ${q(path.posix.dirname(file))} && umask 077 && cat > ${q(`${file}.tmp`)} && chmod ${mode} ${q(`${file}.tmp`)} && mv ${q(`${file}.tmp`)} ${q(file)}`,
      { input: content },
    );
  }

  /** The release's compose file, its variables, its manifest and the app environment (mode 0600). */
  async upload(tag: string, appEnvFile: string, manifest: ReleaseManifest): Promise<void> {
    const release = this.layout.release(tag);
    const { digests } = manifest;
    await this.writeFile(
      `${release}/compose.yml`,
      readFileSync(PRODUCTION_COMPOSE_FILE, 'utf8'),
      '644',
    );
    await this.writeFile(
      `${release}/compose.env`,
      renderComposeEnv(composeVariables(this.config, this.layout, tag, digests)),
      '644',
    );
    await this.writeFile(
      this.layout.manifest(tag),
      `${JSON.stringify(manifest, null, 2)}\n`,
      '644',
    );
    await this.writeFile(`${release}/app.env`, appEnvFile, '600');
    const { tls } = this.config.proxy;
    if (tls.mode === 'acme' && tls.caRootFile) {
      await this.writeFile(
        `${this.layout.proxyConf}/${ACME_CA_ROOT_FILE}`,
        readFileSync(tls.caRootFile, 'utf8'),
        '644',
      );
    }
    await this.remote.run(
      [
        // A redeploy's app.env is the one the release was deployed with.
        `rm -f ${q(`${release}/${DEPLOYED_APP_ENV}`)}`,
        `mkdir -p ${q(this.layout.proxyConf)}`,
        ...[this.layout.edgeNetwork, this.layout.dataNetwork].map(
          (network) =>
            `docker network inspect ${q(network)} >/dev/null 2>&1 || docker network create ${q(network)} >/dev/null`,
        ),
      ].join('\n'),
    );
  }

  /**
   * A rollback's app.env: the current settings. The first replacement keeps the file the release
   * was deployed with beside it, for `rollback --restore-env`.
   */
  async replaceAppEnv(tag: string, appEnvFile: string): Promise<void> {
    const release = this.layout.release(tag);
    await this.remote.run(
      `if [ ! -e ${q(`${release}/${DEPLOYED_APP_ENV}`)} ]; then cp -p ${q(`${release}/app.env`)} ${q(`${release}/${DEPLOYED_APP_ENV}`)}; fi`,
    );
    await this.writeFile(`${release}/app.env`, appEnvFile, '600');
  }

  /** Puts back the app.env the release was deployed with (a no-op if it was never replaced). */
  async restoreDeployedAppEnv(tag: string): Promise<void> {
    const release = this.layout.release(tag);
    await this.remote.run(
      `if [ -e ${q(`${release}/${DEPLOYED_APP_ENV}`)} ]; then cp -p ${q(`${release}/${DEPLOYED_APP_ENV}`)} ${q(`${release}/app.env.tmp`)} && mv ${q(`${release}/app.env.tmp`)} ${q(`${release}/app.env`)}; fi`,
    );
  }

  /**
   * Starts or updates the bundled PostgreSQL and Redis in the long-lived project. `up` leaves a
   * running container whose settings did not change alone, so a deploy normally touches neither;
   * their volumes are never removed (no deploy step runs `down` on this project).
   */
  async startDataServices(tag: string, dataEnvFile: string): Promise<void> {
    await this.writeFile(this.layout.dataEnv, dataEnvFile, '600');
    await this.remote.run(
      `${this.compose(tag, this.layout.stackProject)} up -d --no-deps --wait ${Object.values(DATA_SERVICES).join(' ')}`,
      { timeoutSeconds: this.timeouts.start },
    );
  }

  /**
   * Pulls the release's images by digest and tags them with the release (retention and rollback
   * find them by tag). With credentials, docker logs in to a temporary DOCKER_CONFIG used for this
   * pull only and removed right after, even on failure: no registry token stays on the host. The
   * password travels on stdin.
   */
  async pull(
    tag: string,
    digests: ReleaseDigests,
    credentials: RegistryCredentials | undefined,
  ): Promise<void> {
    const login = credentials
      ? [
          'DOCKER_CONFIG=$(mktemp -d)',
          `trap 'rm -rf "$DOCKER_CONFIG"' EXIT`,
          // The compose plugin may be installed per user, next to the config it no longer reads.
          'if [ -d "$HOME/.docker/cli-plugins" ]; then ln -s "$HOME/.docker/cli-plugins" "$DOCKER_CONFIG/cli-plugins"; fi',
          'export DOCKER_CONFIG',
          `docker login --username ${q(credentials.username)} --password-stdin ${q(this.config.registry)} >/dev/null`,
        ]
      : [];
    await this.remote.run(
      [
        ...login,
        `${this.compose(tag)} pull --quiet api worker`,
        ...(Object.keys(digests) as ImageName[]).map((image) => {
          const repository = `${this.config.registry}/${this.config.repositories[image]}`;
          return `docker tag ${q(`${repository}@${digests[image]}`)} ${q(`${repository}:${tag}`)}`;
        }),
      ].join('\n'),
      { input: credentials?.password, timeoutSeconds: this.timeouts.pull },
    );
  }

  /** Migrations run as a one-off container of the new app image, before anything is switched. */
  async migrate(tag: string): Promise<void> {
    await this.remote.run(
      `${this.compose(tag)} run --rm --no-deps -T api ${shellJoin(this.config.migrateCommand)}`,
      { stream: true, timeoutSeconds: this.timeouts.migrate },
    );
  }

  /**
   * Starts a service of `tag` from the images already on the host and checks that its container
   * runs the image of the digest the release recorded (releases from before digests skip the check).
   */
  private async start(tag: string, service: ImageName): Promise<void> {
    const compose = this.compose(tag);
    const repository = `${this.config.registry}/${this.config.repositories[service]}`;
    await this.remote.run(
      [
        `${compose} up -d --no-deps --wait --pull never ${service}`,
        `expected=$(sed -n 's/^${service.toUpperCase()}_DIGEST=//p' ${q(`${this.layout.release(tag)}/compose.env`)})`,
        'if [ -z "$expected" ]; then exit 0; fi',
        `image=$(docker inspect -f '{{.Image}}' "$(${compose} ps -q ${service})")`,
        // The classic store names the image by its config and lists the pulled digest; the
        // containerd store names it by the pulled digest.
        `if [ "$image" != "$expected" ] && ! docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$image" | grep -qxF ${q(repository)}"@$expected"; then`,
        `  echo "${service} of ${tag} runs image $image, not ${repository}@$expected" >&2; exit 1`,
        'fi',
      ].join('\n'),
      { timeoutSeconds: this.timeouts.start },
    );
  }

  /**
   * Starts `tag`'s API beside the running one, moves the proxy to it once it is healthy, waits for
   * the connections the proxy had before the switch to finish their requests, then stops the API
   * of `from`. Caddy's reload hands the listening sockets to the new configuration at once and lets
   * the old one finish its requests, but does not wait for them: the drain is observed here.
   */
  async switchApi(tag: string, from: string | undefined): Promise<void> {
    // The long-lived proxy is (re)created from the release's compose file: one from before Caddy
    // would bring back an nginx that cannot read this configuration.
    const composeFile = `${this.layout.release(tag)}/compose.yml`;
    await this.remote.run(
      `grep -q '^    image: caddy:' ${q(composeFile)} || { echo ${q(`release ${tag} was deployed with the nginx proxy: deploy it again (pnpm run deploy --sha <its commit> --allow-older) to switch to it with this one`)} >&2; exit 1; }`,
    );
    await this.start(tag, 'api');
    await this.writeFile(
      `${this.layout.proxyConf}/${PROXY_CONFIG_FILE}`,
      renderProxyConfig(tag, this.config.proxy),
      '644',
    );
    const polls = this.timeouts.proxyDrain * 10;
    const sockets = proxyClientSockets(this.config.proxy.tls.mode === 'off' ? 80 : 443);
    const reload = [
      `i=0; until ${PROXY_ADMIN_LISTENING}; do`,
      `  if [ $i -ge ${polls} ]; then echo "the proxy's admin API did not start within ${this.timeouts.proxyDrain}s" >&2; exit 1; fi`,
      '  sleep 0.1; i=$((i + 1))',
      'done',
      `old=$(${sockets})`,
      // Refuses an invalid configuration and keeps serving the current one.
      `caddy reload --config ${PROXY_CONFIG_DIR}/${PROXY_CONFIG_FILE} --adapter caddyfile || exit 1`,
      `i=0; while [ $i -lt ${polls} ]; do`,
      `  now=" $(${sockets} | tr '\\n' ' ') "`,
      '  busy=""; for socket in $old; do case "$now" in *" $socket "*) busy=1 ;; esac; done',
      '  if [ -z "$busy" ]; then exit 0; fi',
      '  sleep 0.1; i=$((i + 1))',
      'done',
      `echo "connections the proxy had before the switch still open after ${this.timeouts.proxyDrain}s (DEPLOY_PROXY_DRAIN_TIMEOUT_SECONDS)" >&2; exit 1`,
    ].join('\n');
    await this.remote.run(
      [
        `${this.compose(tag, this.layout.stackProject)} up -d --no-deps proxy`,
        `docker exec ${q(this.layout.proxyContainer)} sh -c ${q(reload)}`,
      ].join('\n'),
      { timeoutSeconds: this.timeouts.reload },
    );
    if (from && from !== tag) await this.remote.run(`${this.compose(from)} stop api`);
  }

  /** Starts `tag`'s worker, then stops the one of `from` with SIGTERM so it drains its active jobs. */
  async replaceWorker(tag: string, from: string | undefined): Promise<void> {
    await this.start(tag, 'worker');
    if (from && from !== tag) {
      await this.remote.run(`${this.compose(from)} stop worker && ${this.compose(from)} down`, {
        timeoutSeconds: this.timeouts.workerStop,
      });
    }
  }

  /** Removes a release's containers (a failed one, after the previous release was restored). */
  async remove(tag: string): Promise<void> {
    await this.remote.run(`${this.compose(tag)} down`, {
      timeoutSeconds: this.timeouts.workerStop,
    });
  }

  /**
   * `curl` of `requestPath` through the proxy as a client reaches it: over HTTPS to the first
   * domain (at the host's own address) unless TLS is off. The release is what is checked, not the
   * certificate, which a staging or private CA issues untrusted by the host; a certificate not yet
   * obtained (the first deploy for a domain) is waited for.
   */
  proxyRequest(requestPath: string): string {
    const { address, port, tlsPort, tls } = this.config.proxy;
    const host = address === '0.0.0.0' ? '127.0.0.1' : address;
    const curl = ['curl', '-sS', '-o', '/dev/null', '-D', '-', '--max-time', '10'];
    if (tls.mode === 'off') return shellJoin([...curl, `http://${host}:${port}${requestPath}`]);
    const domain = tls.domains[0]!;
    const request = shellJoin([
      ...curl,
      '--insecure',
      '--resolve',
      `${domain}:${tlsPort}:${host}`,
      `https://${domain}:${tlsPort}${requestPath}`,
    ]);
    const seconds = this.timeouts.certificate;
    return [
      `deadline=$(( $(date +%s) + ${seconds} ))`,
      // 35: the TLS handshake failed, as it does while the proxy has no certificate for the name.
      `until ${request}; do`,
      '  code=$?',
      `  if [ "$code" != 35 ] || [ "$(date +%s)" -ge "$deadline" ]; then`,
      `    if [ "$code" = 35 ]; then echo ${q(`no certificate for ${domain} after ${seconds}s (DEPLOY_CERTIFICATE_TIMEOUT_SECONDS): does its DNS point at this host, and do ports 80 and 443 reach it? docker logs ${this.layout.proxyContainer} says why`)} >&2; fi`,
      '    exit "$code"',
      '  fi',
      '  sleep 1',
      'done',
    ].join('\n');
  }

  /** /health/ready and the smoke request through the proxy must be answered by `tag`. */
  async verify(tag: string): Promise<void> {
    for (const requestPath of ['/health/ready', this.config.smokePath]) {
      const headers = await this.remote.run(this.proxyRequest(requestPath), {
        timeoutSeconds: this.timeouts.certificate + MARGIN_SECONDS,
      });
      const response = parseProxyResponse(headers);
      if (response.status !== 200)
        throw new Error(`GET ${requestPath} through the proxy answered ${response.status}`);
      if (response.release !== tag) {
        throw new Error(
          `GET ${requestPath} was answered by release ${response.release}, not ${tag}`,
        );
      }
    }
  }

  /** `tag` is now live: current and previous move, and the history gets a line. */
  async record(tag: string): Promise<void> {
    const { current, previous, history } = this.layout;
    await this.remote.run(
      [
        `old=$(cat ${q(current)} 2>/dev/null || true)`,
        `if [ -n "$old" ] && [ "$old" != ${q(tag)} ]; then printf '%s\\n' "$old" > ${q(`${previous}.tmp`)} && mv ${q(`${previous}.tmp`)} ${q(previous)}; fi`,
        `printf '%s\\n' ${q(tag)} > ${q(`${current}.tmp`)} && mv ${q(`${current}.tmp`)} ${q(current)}`,
        `printf '%s\\n' ${q(tag)} >> ${q(history)}`,
      ].join('\n'),
    );
  }

  /** The audit log, oldest first: what promotions read to know what ran here, and how. */
  async auditLog(): Promise<AuditEntry[]> {
    return parseAuditLog(await this.remote.run(`cat ${q(this.layout.audit)} 2>/dev/null || true`));
  }

  /** The release manifest `tag` was deployed from, while its files are retained here. */
  async recordedManifest(tag: string): Promise<ReleaseManifest | undefined> {
    const file = this.layout.manifest(tag);
    const text = await this.remote.run(`cat ${q(file)} 2>/dev/null || true`);
    if (!text.trim()) return undefined;
    const parsed = releaseManifestSchema.safeParse(JSON.parse(text));
    if (!parsed.success || parsed.data.tag !== tag) {
      throw new Error(
        `${file} on ${this.remote.destination} is not the release manifest of ${tag}`,
      );
    }
    return parsed.data;
  }

  /** `<state> <health>` of each service of `tag`, e.g. `running healthy`; `missing` without one. */
  async serviceHealth(tag: string): Promise<Record<ImageName, string>> {
    const services = Object.keys(this.config.repositories) as ImageName[];
    const output = await this.remote.run(
      services
        .map(
          (service) =>
            `id=$(${this.compose(tag)} ps -q ${service} 2>/dev/null || true); if [ -z "$id" ]; then echo missing; else docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id"; fi`,
        )
        .join('\n'),
    );
    const lines = output.split('\n');
    return Object.fromEntries(
      services.map((service, index) => [service, lines[index]?.trim() ?? 'missing']),
    ) as Record<ImageName, string>;
  }

  async audit(line: string): Promise<void> {
    await this.remote.run(
      `mkdir -p ${q(this.layout.dir)} && printf '%s\\n' ${q(line)} >> ${q(this.layout.audit)}`,
    );
  }

  private async inventory(): Promise<{ history: string[]; dirs: string[]; images: string[] }> {
    const output = await this.remote.run(
      [
        `cat ${q(this.layout.history)} 2>/dev/null || true`,
        'echo ---',
        `ls -1 ${q(this.layout.releases)} 2>/dev/null || true`,
        'echo ---',
        ...this.repositories.map(
          (repository) => `docker image ls --format '{{.Repository}}:{{.Tag}}' ${q(repository)}`,
        ),
      ].join('\n'),
    );
    const [history = '', dirs = '', images = ''] = output.split('---\n');
    const lines = (text: string) =>
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
    return { history: lines(history), dirs: lines(dirs), images: lines(images) };
  }

  /** Releases that can be switched to at once, without a pull. */
  async availableReleases(): Promise<string[]> {
    const { history, dirs, images } = await this.inventory();
    return availableReleases(history, dirs, images, this.repositories);
  }

  /**
   * Keeps the images and files of the last `retention` releases and deletes the rest, touching
   * only this project's repositories (never `docker system prune`: the host may run other things).
   */
  async applyRetention(): Promise<{ kept: string[]; deleted: string[] }> {
    const { history, dirs, images } = await this.inventory();
    const kept = retainedReleases(history, this.config.retention);
    const deletedImages = imagesToDelete(images, this.repositories, kept);
    const deletedDirs = dirs.filter((tag) => !kept.includes(tag));
    const commands = [
      ...deletedImages.map((image) => `docker image rm ${q(image)} >/dev/null`),
      ...deletedDirs.map((tag) => `rm -rf ${q(this.layout.release(tag))}`),
    ];
    if (commands.length > 0) await this.remote.run(commands.join('\n'));
    return {
      kept,
      deleted: [
        ...new Set([
          ...deletedDirs,
          ...deletedImages.map((image) => image.slice(image.lastIndexOf(':') + 1)),
        ]),
      ],
    };
  }

  async status(): Promise<string> {
    const { current, previous } = await this.readState();
    const projects = [this.layout.stackProject, current, previous]
      .filter((tag): tag is string => Boolean(tag))
      .map((tag) => (tag === this.layout.stackProject ? tag : this.layout.releaseProject(tag)));
    return this.remote.run(
      [
        `echo "current:  ${current ?? '(none)'}"`,
        `echo "previous: ${previous ?? '(none)'}"`,
        ...(current
          ? [
              `echo; echo "release manifest of ${current} (what it was deployed from):"`,
              `if [ -r ${q(this.layout.manifest(current))} ]; then sed 's/^/  /' ${q(this.layout.manifest(current))}; else echo '  (none: deployed before release manifests)'; fi`,
            ]
          : []),
        'echo; echo containers:',
        ...projects.map(
          (project) =>
            `docker ps -a --filter label=com.docker.compose.project=${q(project)} --format '  {{.Names}}\t{{.Status}}\t{{.Image}}'`,
        ),
        'echo; echo lock:',
        `lease=${q(`${this.layout.lock}/lease`)}`,
        `if [ ! -d ${q(this.layout.lock)} ]; then echo '  free'; elif [ ! -r "$lease" ]; then echo '  held, no readable lease'; else`,
        `  r=$(sed -n 's/^renewed=//p' "$lease"); t=$(sed -n 's/^ttl=//p' "$lease")`,
        `  echo "  held, renewed $(( $(date +%s) - r ))s ago (taken over after \${t}s without renewal):"`,
        `  grep -v '^renewed=' "$lease" | sed 's/^/    /'`,
        'fi',
        'echo; echo "last audit lines:"',
        `tail -n 10 ${q(this.layout.audit)} 2>/dev/null | sed 's/^/  /' || true`,
      ].join('\n'),
    );
  }
}
