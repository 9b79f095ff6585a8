import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PluginError } from '../errors.js';
import type { Manifest } from '../manifest/schema.js';
import { isInside } from './paths.js';

/**
 * The real path of a plugin's entry file, checked to exist and to stay inside its folder,
 * both as written (`../x.js`) and after symlinks. Then its integrity hash, when the manifest
 * has one. Runs no plugin code.
 */
export async function resolveEntry(realFolder: string, manifest: Manifest): Promise<string> {
  const subject = { plugin: manifest.name, version: manifest.version, path: realFolder };
  const written = resolve(realFolder, manifest.main);
  if (!isInside(realFolder, written)) {
    throw new PluginError(
      'ENTRY_OUTSIDE_PLUGIN',
      `main \`${manifest.main}\` points outside the plugin folder`,
      subject,
    );
  }
  let entry: string;
  try {
    entry = await realpath(written);
  } catch (error) {
    throw new PluginError('ENTRY_NOT_FOUND', `main \`${manifest.main}\` does not exist`, { ...subject, cause: error });
  }
  if (!isInside(realFolder, entry)) {
    throw new PluginError(
      'ENTRY_OUTSIDE_PLUGIN',
      `main \`${manifest.main}\` is a symlink to ${entry}, outside the plugin folder`,
      subject,
    );
  }
  if (!(await stat(entry)).isFile()) {
    throw new PluginError('ENTRY_NOT_FOUND', `main \`${manifest.main}\` is not a file`, subject);
  }
  if (manifest.integrity !== undefined) await checkIntegrity(entry, manifest.integrity, subject);
  return entry;
}

async function checkIntegrity(
  entry: string,
  integrity: string,
  subject: { plugin: string; version: string; path: string },
) {
  const dash = integrity.indexOf('-');
  const algorithm = integrity.slice(0, dash);
  const actual = `${algorithm}-${createHash(algorithm)
    .update(await readFile(entry))
    .digest('base64')}`;
  if (actual !== integrity) {
    throw new PluginError(
      'INTEGRITY_MISMATCH',
      `the entry's hash is ${actual}, the manifest says ${integrity}`,
      subject,
    );
  }
}
