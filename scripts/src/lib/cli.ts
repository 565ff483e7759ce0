import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** The parsed flags of a verb: strings for string options, booleans for boolean ones. */
type ParsedValues<Options extends ParseArgsOptionsConfig> = {
  [Name in keyof Options]?: Options[Name]['type'] extends 'string' ? string : boolean;
};

export interface Verb<Options extends ParseArgsOptionsConfig> {
  usage: string;
  description: string;
  options: Options;
}

const COMMON_OPTIONS = {
  help: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

/** The flag of every verb that reaches a host: which environment of infra/environments.json. */
export const ENVIRONMENT_OPTION = {
  env: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

/** How a verb's usage names the flag. */
export const ENVIRONMENT_USAGE =
  '  --env <name>     the environment (infra/environments.json, e.g. staging, production);\n' +
  '                   without it, the one environment the DEPLOY_* variables describe';

/**
 * Parses a verb's flags; `--help` prints the usage and exits. Every verb accepts `--dry-run`, which
 * prints the plan without touching the registry or the host.
 */
export function parseVerbArgs<const Options extends ParseArgsOptionsConfig>(
  verb: Verb<Options>,
  argv: string[] = process.argv.slice(2),
): ParsedValues<Options> & { dryRun: boolean } {
  const { values } = parseArgs({
    // pnpm passes a literal `--` through when the verb is called as `pnpm run deploy -- --sha x`.
    args: argv.filter((arg) => arg !== '--'),
    options: { ...COMMON_OPTIONS, ...verb.options },
    strict: true,
    allowPositionals: false,
  });
  const common = values as { help?: boolean; 'dry-run'?: boolean };
  if (common.help) {
    process.stdout.write(`Usage: ${verb.usage}\n\n${verb.description}\n`);
    process.exit(0);
  }
  return { ...(values as ParsedValues<Options>), dryRun: common['dry-run'] === true };
}

/** Every flag a verb accepts, the common ones included; the workflow tests check calls against it. */
export function acceptedFlags(verb: Verb<ParseArgsOptionsConfig>): string[] {
  return Object.keys({ ...COMMON_OPTIONS, ...verb.options });
}

/**
 * Runs a verb's main function when its file is the entry point, so a test can import the file for
 * its `verb` without running it. An error prints its message (no stack for expected failures).
 */
export function runMain(entry: NodeJS.Module, main: () => Promise<void>): void {
  if (require.main !== entry) return;
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`\n✗ ${message}\n`);
      if (process.env.DEPLOY_DEBUG && error instanceof Error)
        process.stderr.write(`${error.stack}\n`);
      // An interrupted deploy exits like the shell would (130 for SIGINT, 143 for SIGTERM).
      const code = (error as { processExitCode?: unknown } | undefined)?.processExitCode;
      process.exit(typeof code === 'number' ? code : 1);
    },
  );
}
