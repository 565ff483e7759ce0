/**
 * GitHub's own workflow parser and expression engine (actions/languageservices). They are ES
 * modules only (no `require` export), so they load through import(), which tsx and Jest (with
 * --experimental-vm-modules and SWC told to keep dynamic imports) leave native.
 */
export type WorkflowParser = typeof import('@actions/workflow-parser');
export type Expressions = typeof import('@actions/expressions');
export type ExpressionResults = typeof import('@actions/expressions/result');

export interface ActionsLibraries {
  parser: WorkflowParser;
  expressions: Expressions;
  results: ExpressionResults;
}

let loaded: Promise<ActionsLibraries> | undefined;

// One after the other: Jest's ES module loader fails on concurrent imports sharing modules.
async function load(): Promise<ActionsLibraries> {
  const parser = await import('@actions/workflow-parser');
  const expressions = await import('@actions/expressions');
  const results = await import('@actions/expressions/result');
  return { parser, expressions, results };
}

export function actionsLibraries(): Promise<ActionsLibraries> {
  loaded ??= load();
  return loaded;
}
