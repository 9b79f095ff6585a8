import type { z } from 'zod';
import { describeValue, type Issue, type PluginErrorCode } from '../errors.js';
import { type Manifest, manifestSchema } from './schema.js';

export type ManifestResult =
  | { readonly ok: true; readonly manifest: Manifest }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/** Checks a parsed manifest; returns every issue at once. Never throws. */
export function parseManifest(input: unknown): ManifestResult {
  const result = manifestSchema.safeParse(input);
  if (result.success) return { ok: true, manifest: result.data };
  return { ok: false, issues: result.error.issues.flatMap((issue) => toIssues(issue, input)) };
}

function toIssues(issue: z.core.$ZodIssue, input: unknown): Issue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      code: 'MANIFEST_FIELD_UNKNOWN',
      path: formatPath([...issue.path, key]),
      message: 'unknown field (misspelt?)',
    }));
  }
  const path = formatPath(issue.path);
  const found = valueAt(input, issue.path);
  if (found === MISSING) return [{ code: 'MANIFEST_FIELD_MISSING', path, message: `required, ${issue.message}` }];
  const code = (issue.code === 'custom' ? issue.params?.code : undefined) as PluginErrorCode | undefined;
  return [{ code: code ?? 'MANIFEST_FIELD_INVALID', path, message: `${issue.message}, got ${show(found)}` }];
}

const MISSING = Symbol('missing');

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return MISSING;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** `provides["calc.operation"]`, `permissions.fsRead.0`: keys with dots are bracketed. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    const text = String(key);
    if (/^[A-Za-z_$][\w$]*$|^\d+$/.test(text)) out += out === '' ? text : `.${text}`;
    else out += `[${JSON.stringify(text)}]`;
  }
  return out;
}

function show(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `\`${describeValue(value)}\``;
}
