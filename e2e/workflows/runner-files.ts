/**
 * What a step tells the runner: the files behind $GITHUB_OUTPUT, $GITHUB_ENV and $GITHUB_PATH,
 * and the `::command::` lines of its output, read as GitHub's runner reads them.
 */

/** `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks. */
export function parseKeyValueFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line === '') continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    const equals = line.indexOf('=');
    if (heredoc && (equals < 0 || equals > line.indexOf('<<'))) {
      const [, name, delimiter] = heredoc;
      const end = lines.indexOf(delimiter!, index + 1);
      if (end < 0) throw new Error(`${file}: no closing ${delimiter} for ${name}`);
      values[name!] = lines.slice(index + 1, end).join('\n');
      index = end;
    } else if (equals > 0) {
      values[line.slice(0, equals)] = line.slice(equals + 1);
    } else {
      throw new Error(`${file}: invalid line ${JSON.stringify(line)}`);
    }
  }
  return values;
}

/** Directories a step added to PATH for the steps after it, one a line. */
export function parsePathFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

export interface Annotation {
  level: 'notice' | 'warning' | 'error';
  title?: string;
  message: string;
}

export type WorkflowCommand =
  | ({ kind: 'annotation' } & Annotation)
  | { kind: 'mask'; value: string }
  | { kind: 'ignored'; name: string };

/** Undoes the runner's escaping of command data (%25 %0D %0A) and properties (also %3A %2C). */
function unescape(value: string): string {
  return value
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%25/g, '%');
}

/** A `::name key=value,…::message` line of a step's output, or undefined for any other line. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line.trim());
  if (!match) return undefined;
  const [, name, properties = '', message = ''] = match;
  if (name === 'notice' || name === 'warning' || name === 'error') {
    const props = Object.fromEntries(
      properties
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const equals = pair.indexOf('=');
          return [pair.slice(0, equals).trim(), unescape(pair.slice(equals + 1))];
        }),
    );
    return {
      kind: 'annotation',
      level: name,
      ...(props.title ? { title: props.title } : {}),
      message: unescape(message),
    };
  }
  if (name === 'add-mask') return { kind: 'mask', value: unescape(message) };
  return { kind: 'ignored', name: name! };
}

/**
 * The environment a step runs with. Later layers win, as on GitHub: the runner's own variables,
 * then what earlier steps wrote to $GITHUB_ENV, then the workflow's, the job's and the step's
 * `env:`; the runner's GITHUB_* and RUNNER_* variables cannot be overridden.
 */
export function stepEnvironment(layers: {
  runner: Record<string, string>;
  githubEnv: Record<string, string>;
  workflow: Record<string, string>;
  job: Record<string, string>;
  step: Record<string, string>;
  defaults: Record<string, string>;
}): Record<string, string> {
  return {
    ...layers.runner,
    ...layers.githubEnv,
    ...layers.workflow,
    ...layers.job,
    ...layers.step,
    ...layers.defaults,
  };
}
