import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { actionsLibraries, type ActionsLibraries } from './actions-libraries';

/**
 * The contexts the replay provides. An expression naming any other (matrix, strategy, job, …)
 * fails with the parser's "Unrecognized named-value" naming it, instead of reading as empty.
 */
export const REPLAY_CONTEXTS = [
  'github',
  'inputs',
  'vars',
  'secrets',
  'env',
  'runner',
  'needs',
  'steps',
] as const;
export type ContextName = (typeof REPLAY_CONTEXTS)[number];
export type Contexts = Partial<Record<ContextName, unknown>>;

/** Results as GitHub reports them in `needs.<id>.result` and `steps.<id>.outcome`. */
export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

/**
 * What the status functions (beside the parser's built-in format, contains, toJSON, …) answer:
 * for a step's `if`, from the job's steps so far; for a job's `if`, from the jobs it needs. Any
 * other function (hashFiles, …) fails with the parser's "Unrecognized function" naming it. A
 * replay is never cancelled.
 */
export interface Status {
  success: boolean;
  failure: boolean;
}

export const NO_FAILURE: Status = { success: true, failure: false };

export class ReplayExpressionError extends Error {}

let libraries: ActionsLibraries | undefined;

/** Loads the ES-module libraries once; every evaluation below is synchronous after it. */
export async function loadExpressionEngine(): Promise<void> {
  libraries ??= await actionsLibraries();
}

function engine(): ActionsLibraries {
  if (!libraries) throw new Error('loadExpressionEngine() must be awaited first');
  return libraries;
}

type ExpressionData = import('@actions/expressions').data.ExpressionData;

function statusFunctions(status: Status) {
  const { data } = engine().expressions;
  const statusFunction = (name: string, value: () => boolean) => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value()),
  });
  return [
    statusFunction('success', () => status.success),
    statusFunction('failure', () => status.failure),
    statusFunction('always', () => true),
    statusFunction('cancelled', () => false),
  ];
}

function toExpressionData(value: unknown): ExpressionData {
  const { data } = engine().expressions;
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as ExpressionData;
}

function parseExpression(expression: string, functions: ReturnType<typeof statusFunctions>) {
  const { Lexer, Parser } = engine().expressions;
  return new Parser(new Lexer(expression).lex().tokens, [...REPLAY_CONTEXTS], functions).parse();
}

function explained<T>(expression: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ReplayExpressionError(`\${{ ${expression} }}: ${message}`, { cause: error });
  }
}

/** Parses an expression as the replay would evaluate it: fails on unknown contexts and functions. */
export function checkExpression(expression: string): void {
  explained(expression, () => parseExpression(expression, statusFunctions(NO_FAILURE)));
}

/** Evaluates one expression (without `${{ }}`) against the contexts. */
export function evaluateExpression(
  expression: string,
  contexts: Contexts,
  status: Status = NO_FAILURE,
): ExpressionData {
  const { Evaluator, data } = engine().expressions;
  const functions = statusFunctions(status);
  return explained(expression, () => {
    const context = new data.Dictionary(
      ...Object.entries(contexts).map(([key, value]) => ({ key, value: toExpressionData(value) })),
    );
    const tree = parseExpression(expression, functions);
    return new Evaluator(tree, context, new Map(functions.map((f) => [f.name, f]))).evaluate();
  });
}

/** An `if:` condition (the parser already wrapped it in `success() && (…)` where GitHub does). */
export function evaluateCondition(condition: string, contexts: Contexts, status: Status): boolean {
  return engine().results.truthy(evaluateExpression(condition, contexts, status));
}

/** Plain JSON of an evaluated value (objects, arrays, strings, numbers, booleans, null). */
export function toPlain(value: ExpressionData): unknown {
  const { data } = engine().expressions;
  return JSON.parse(JSON.stringify(value, data.replacer)) as unknown;
}

/** A scalar token as the string a step sees: literal text, or its expression's value. */
export function evaluateString(
  token: TemplateToken | undefined,
  contexts: Contexts,
): string | undefined {
  if (!token) return undefined;
  return stringOf(evaluateToken(token, contexts));
}

/** Any token (mapping, sequence, scalar or expression) evaluated to plain JSON. */
export function evaluateToken(token: TemplateToken, contexts: Contexts): unknown {
  const { parser } = engine();
  if (parser.isBasicExpression(token)) {
    return toPlain(evaluateExpression(token.expression, contexts));
  }
  if (parser.isMapping(token)) {
    const result: Record<string, unknown> = {};
    for (const { key, value } of token) {
      result[String(evaluateToken(key, contexts))] = evaluateToken(value, contexts);
    }
    return result;
  }
  if (parser.isSequence(token)) {
    const items: unknown[] = [];
    for (let index = 0; index < token.count; index++) {
      items.push(evaluateToken(token.get(index), contexts));
    }
    return items;
  }
  if (parser.isLiteral(token)) return literalValue(token);
  throw new ReplayExpressionError(
    `unsupported template token ${token.typeName()} at line ${token.line ?? '?'}`,
  );
}

function literalValue(token: TemplateToken): unknown {
  const { parser } = engine();
  if (parser.isString(token)) return token.value;
  if (parser.isNumber(token)) return token.value;
  if (parser.isBoolean(token)) return token.value;
  return null;
}

/** A mapping of names to strings (env, with, outputs), each value evaluated. */
export function evaluateStringMap(
  token: TemplateToken | undefined,
  contexts: Contexts,
): Record<string, string> {
  if (!token) return {};
  const { parser } = engine();
  if (!parser.isMapping(token)) {
    const evaluated = evaluateToken(token, contexts);
    if (evaluated && typeof evaluated === 'object' && !Array.isArray(evaluated)) {
      return Object.fromEntries(
        Object.entries(evaluated).map(([key, value]) => [key, stringOf(value)]),
      );
    }
    throw new ReplayExpressionError(`expected a mapping at line ${token.line ?? '?'}`);
  }
  const result: Record<string, string> = {};
  for (const { key, value } of token) {
    result[String(evaluateToken(key, contexts))] = evaluateString(value, contexts) ?? '';
  }
  return result;
}

function stringOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
