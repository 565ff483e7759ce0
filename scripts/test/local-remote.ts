import { $ } from 'zx';
import type { Remote } from '../src/lib/ssh';

/** The host's scripts run in a local bash, exactly as they would on the host. */
export const localRemote: Remote = {
  destination: 'local',
  async run(script, { input } = {}) {
    return (await $({ input: input ?? '', quiet: true })`bash -c ${`set -euo pipefail\n${script}`}`)
      .stdout;
  },
  close: () => undefined,
};
