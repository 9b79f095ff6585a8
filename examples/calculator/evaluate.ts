import { isPluginError, type PluginError } from 'plugboard';
import { CalcError, pluginLabel, reasonOf } from './errors.js';
import type { OperatorSpec } from './operators.js';
import type { BinaryNode, Expr, UnaryNode } from './parse.js';

/** An operator that can be applied. Its result is awaited, so handles that return Promises work too. */
export interface Executable extends OperatorSpec {
  execute(...operands: number[]): number | PromiseLike<number>;
}

/**
 * Evaluates the tree left to right, one operator call at a time, awaiting each. It walks the tree
 * in post-order with an explicit stack, so a long chain like `1 + 1 + ... + 1` cannot overflow.
 */
export async function evaluate(expr: Expr<Executable>): Promise<number> {
  const values: number[] = [];
  for (const node of postOrder(expr)) {
    if (node.kind === 'number') {
      values.push(node.value);
      continue;
    }
    const arity = node.kind === 'unary' ? 1 : 2;
    const operands = values.splice(values.length - arity, arity);
    values.push(await apply(node, operands));
  }
  const [result] = values;
  if (result === undefined || values.length !== 1) throw new Error('evaluate: malformed expression tree');
  return result;
}

async function apply(node: UnaryNode<Executable> | BinaryNode<Executable>, operands: number[]): Promise<number> {
  try {
    return await node.operator.execute(...operands);
  } catch (error) {
    throw operatorFailed(node, error);
  }
}

/** `division by zero (`/` at column 3, divide@1.0.0)`: what went wrong first, then where and who. */
function operatorFailed(node: UnaryNode<Executable> | BinaryNode<Executable>, error: unknown): CalcError {
  const { symbol } = node.operator;
  const who = isPluginError(error) && error.plugin !== undefined ? `, ${pluginLabel(error)}` : '';
  return new CalcError('OPERATOR_FAILED', `${reasonFor(error)} (\`${symbol}\` at column ${node.column}${who})`, {
    column: node.column,
    operator: symbol,
    cause: error,
  });
}

/**
 * In the plugin's own words when it threw; what the contract rejected when its result was wrong.
 * Anything else happened to the plugin rather than in it (a deadline, a crash, a restart), so
 * plugboard's code is named too: it is what docs/errors.md lists.
 */
function reasonFor(error: unknown): string {
  if (!isPluginError(error)) return describe(error);
  if (error.code === 'CALL_FAILED') return describe(error.cause);
  if (error.code === 'CALL_RESULT_INVALID') return `invalid result: ${error.issues.map((i) => i.message).join('; ')}`;
  if (error.code === 'PLUGIN_NOT_ACTIVE') return `${notRunning(error)} [PLUGIN_NOT_ACTIVE]`;
  return `${reasonOf(error)} [${error.code}]`;
}

/** Why an operator's plugin cannot take calls: it ended and waits for its restart, or it is stopped for good. */
function notRunning(error: PluginError): string {
  const ended = error.cause;
  if (!isPluginError(ended)) return `its plugin ${reasonOf(error)}`; // `is starting, not active`
  if (ended.code === 'RESTARTS_EXHAUSTED') return `its plugin ${reasonOf(ended)}`;
  return `its plugin ended (${ended.code}) and is being restarted; try again`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The nodes in evaluation order: operands before their operator, left before right. */
function postOrder(root: Expr<Executable>): Expr<Executable>[] {
  const reversed: Expr<Executable>[] = [];
  const pending = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    reversed.push(node);
    if (node.kind === 'unary') pending.push(node.operand);
    if (node.kind === 'binary') pending.push(node.left, node.right);
  }
  return reversed.reverse();
}
