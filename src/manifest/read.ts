import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue, type Issue, PluginError } from '../errors.js';
import { parseManifest } from './parse.js';
import type { Manifest } from './schema.js';

const MANIFEST_FILE = 'plugin.json';

/**
 * Reads and checks the manifest of the plugin in `folder`: `plugin.json`, or else the
 * `plugboard` field of `package.json` (whose name, version, description, author, license,
 * main and engines fill in what the field leaves out). Runs no plugin code.
 *
 * Synchronous on purpose: a manifest is a small file, and on a loaded machine one trip through
 * libuv's thread pool costs several times the read itself (as Node's own module loader knows).
 */
export function readManifest(folder: string): Manifest {
  const own = readJson(join(folder, MANIFEST_FILE), folder);
  if (own !== undefined) return check(own, folder, MANIFEST_FILE);
  const pkg = readJson(join(folder, 'package.json'), folder);
  if (typeof pkg === 'object' && pkg !== null && !Array.isArray(pkg) && 'plugboard' in pkg) {
    return check(fromPackageJson(pkg as Record<string, unknown>), folder, 'package.json');
  }
  throw new PluginError(
    'MANIFEST_NOT_FOUND',
    `no ${MANIFEST_FILE}, and no "plugboard" field in package.json, in ${folder}`,
    {
      path: folder,
    },
  );
}

/** Whether `folder` holds a plugin manifest (valid or not): it is a plugin folder, not a folder of them. */
export function hasManifest(folder: string): boolean {
  try {
    if (readJson(join(folder, MANIFEST_FILE), folder) !== undefined) return true;
    const pkg = readJson(join(folder, 'package.json'), folder);
    return typeof pkg === 'object' && pkg !== null && 'plugboard' in pkg;
  } catch {
    return true; // unreadable or malformed: a manifest is there, and loading it will say what is wrong
  }
}

function fromPackageJson(pkg: Record<string, unknown>): unknown {
  const field = pkg.plugboard;
  if (typeof field !== 'object' || field === null || Array.isArray(field)) return field;
  const engines = pkg.engines as Record<string, unknown> | undefined;
  const inherited: Record<string, unknown> = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    author: pkg.author,
    license: pkg.license,
    main: pkg.main,
    engines: engines?.plugboard === undefined ? undefined : { plugboard: engines.plugboard },
  };
  for (const key of Object.keys(inherited)) if (inherited[key] === undefined) delete inherited[key];
  return { ...inherited, ...field };
}

function readJson(file: string, folder: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PluginError('MANIFEST_NOT_FOUND', `cannot read ${file}`, { path: folder, cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PluginError('MANIFEST_MALFORMED_JSON', `${file} is not valid JSON: ${(error as Error).message}`, {
      path: folder,
      cause: error,
    });
  }
}

function check(input: unknown, folder: string, file: string): Manifest {
  const result = parseManifest(input);
  if (result.ok) return result.manifest;
  throw manifestError(result.issues, folder, file, input);
}

function manifestError(issues: readonly Issue[], folder: string, file: string, input: unknown): PluginError {
  const raw = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const first = issues[0] as Issue;
  const valid = (field: string) => typeof raw[field] === 'string' && !issues.some((issue) => issue.path === field);
  // The first issue names the error; all of them travel with it.
  return new PluginError(first.code, `invalid ${file}: ${issues.map(formatIssue).join('; ')}`, {
    plugin: valid('name') ? (raw.name as string) : undefined,
    version: valid('version') ? (raw.version as string) : undefined,
    path: folder,
    issues,
  });
}
