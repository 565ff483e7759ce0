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

export function actionsLibraries(): Promise<ActionsLibraries> {
  loaded ??= Promise.all([
    import('@actions/workflow-parser'),
    import('@actions/expressions'),
    import('@actions/expressions/result'),
  ]).then(([parser, expressions, results]) => ({ parser, expressions, results }));
  return loaded;
}
