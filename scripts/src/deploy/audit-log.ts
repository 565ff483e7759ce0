/**
 * One line per deploy, rollback or unlock in the host's audit.log:
 * `<ISO time> actor=<who> action=<verb> key=value…`. Values with spaces or quotes are JSON strings,
 * so every line splits back into the same fields. Written and read only through this module.
 */
export interface AuditEntry {
  time: string;
  actor: string;
  action: string;
  [field: string]: string;
}

const FIELD = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;

function encode(value: string): string {
  return /^[^\s"]*$/.test(value) ? value : JSON.stringify(value);
}

export function formatAuditLine(
  fields: { actor: string; action: string } & Record<string, string>,
  time = new Date(),
): string {
  const { actor, action, ...rest } = fields;
  return [
    time.toISOString(),
    ...Object.entries({ actor, action, ...rest }).map(([key, value]) => `${key}=${encode(value)}`),
  ].join(' ');
}

export function parseAuditLine(line: string): AuditEntry | undefined {
  const [time, ...rest] = line.trim().split(' ');
  if (!time || Number.isNaN(Date.parse(time))) return undefined;
  const fields: Record<string, string> = {};
  for (const [, key, raw] of rest.join(' ').matchAll(FIELD)) {
    fields[key!] = raw!.startsWith('"') ? (JSON.parse(raw!) as string) : raw!;
  }
  if (fields.actor === undefined || fields.action === undefined) return undefined;
  return { ...fields, time, actor: fields.actor, action: fields.action };
}

export function parseAuditLog(text: string): AuditEntry[] {
  return text.split('\n').flatMap((line) => parseAuditLine(line) ?? []);
}
