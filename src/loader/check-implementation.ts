import type { AnyContract } from '../contract/define-contract.js';
import { formatIssuePath, type StandardSchemaV1 } from '../contract/standard-schema.js';
import { describeValue, type Issue } from '../errors.js';
import { isThenable } from '../util/timeout.js';

export type ImplementationCheck =
  | { readonly ok: true; readonly meta: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/**
 * Checks one implementation against its contract: an object, every method a function, and
 * the other fields (its metadata) valid by the contract's meta schema. Returns the metadata as
 * the schema outputs it, or every issue found. Synchronous unless the meta schema is async.
 */
export function checkImplementation(
  contract: AnyContract,
  implementation: unknown,
): ImplementationCheck | Promise<ImplementationCheck> {
  if (typeof implementation !== 'object' || implementation === null) {
    const message = `no implementation of ${contract.id}, got ${describeValue(implementation)}`;
    return { ok: false, issues: [{ code: 'CONTRACT_NOT_IMPLEMENTED', path: contract.id, message }] };
  }
  const fields = implementation as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const method of Object.keys(contract.methods)) {
    if (typeof fields[method] !== 'function') {
      const found = fields[method] === undefined ? 'nothing' : typeof fields[method];
      issues.push({
        code: 'METHOD_MISSING',
        path: `${contract.id}.${method}`,
        message: `expected a function, got ${found}`,
      });
    }
  }
  const meta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (typeof value !== 'function') meta[key] = value;
  if (contract.meta === undefined)
    return issues.length > 0 ? { ok: false, issues } : { ok: true, meta: Object.freeze(meta) };

  const finish = (result: StandardSchemaV1.Result<Record<string, unknown>>): ImplementationCheck => {
    for (const issue of result.issues ?? []) {
      const path = formatIssuePath(issue.path);
      issues.push({
        code: 'META_INVALID',
        path: path === '' ? contract.id : `${contract.id}.${path}`,
        message: path === '' ? issue.message : `${issue.message}, got ${describeValue(valueAt(meta, issue.path))}`,
      });
    }
    if (issues.length > 0 || result.issues !== undefined) return { ok: false, issues };
    return { ok: true, meta: Object.freeze({ ...result.value }) };
  };
  const result = contract.meta['~standard'].validate(meta);
  return isThenable(result) ? result.then(finish) : finish(result);
}

function valueAt(value: Record<string, unknown>, path: StandardSchemaV1.Issue['path'] = []): unknown {
  let current: unknown = value;
  for (const segment of path) {
    const key = typeof segment === 'object' ? segment.key : segment;
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
