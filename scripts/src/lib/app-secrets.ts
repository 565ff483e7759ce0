import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { apiEnvSchema, InvalidEnvironmentError, loadEnv, type DeployConfig } from '@starter/config';
import { explainAwsError } from './aws-errors';

/** Reads every parameter directly under `prefix` (SecureStrings decrypted) as NAME → value. */
export async function readSsmParameters(
  client: SSMClient,
  prefix: string,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new GetParametersByPathCommand({
          Path: prefix,
          WithDecryption: true,
          NextToken: nextToken,
        }),
      );
    } catch (error) {
      throw explainAwsError(error, `reading SSM parameters under ${prefix}`);
    }
    for (const parameter of page.Parameters ?? []) {
      if (!parameter.Name || parameter.Value === undefined) continue;
      values[parameter.Name.slice(prefix.length)] = parameter.Value;
    }
    nextToken = page.NextToken;
  } while (nextToken);
  if (Object.keys(values).length === 0) {
    throw new Error(`no SSM parameters under ${prefix}: create them first (see README, Deploying)`);
  }
  return values;
}

/**
 * Checks the environment the API and the worker will boot with, so a missing secret stops the
 * deploy before anything changes on the host instead of crash-looping the new containers.
 */
export function checkAppEnvironment(
  values: Record<string, string>,
  source: string,
): Record<string, string> {
  const environment = { ...values, NODE_ENV: 'production' };
  try {
    loadEnv(apiEnvSchema, environment);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      throw new Error(`the app environment from ${source} is not valid:\n${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  return environment;
}

/**
 * Compose env_file text. Values are single-quoted so compose takes them literally (no `$`
 * interpolation); the few values that cannot be written that way are refused.
 */
export function renderEnvFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`${key} is not a valid variable name`);
      if (/['\n\r]/.test(value)) throw new Error(`${key} contains a quote or a newline`);
      return `${key}='${value}'\n`;
    })
    .join('');
}

export async function loadAppEnvironment(
  secrets: DeployConfig['secrets'],
  region: string | undefined,
): Promise<Record<string, string>> {
  if (secrets.source === 'ssm') {
    const values = await readSsmParameters(new SSMClient(region ? { region } : {}), secrets.path);
    return checkAppEnvironment(values, `SSM ${secrets.path}`);
  }
  const values = parseEnv(readFileSync(secrets.file, 'utf8')) as Record<string, string>;
  return checkAppEnvironment(values, secrets.file);
}
