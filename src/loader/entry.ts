import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PluginError } from '../errors.js';
import type { Manifest } from '../manifest/schema.js';
import { isInside } from '../util/paths.js';

/**
 * The real path of a plugin's entry file, checked to exist and to stay inside its folder,
 * both as written (`../x.js`) and after symlinks. Then its integrity hash, when the manifest
 * has one. Runs no plugin code. Synchronous for the reason given in manifest/read.ts.
 */
export function resolveEntry(realFolder: string, manifest: Manifest): string {
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
    entry = realpathSync.native(written);
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
  if (!statSync(entry).isFile()) {
    throw new PluginError('ENTRY_NOT_FOUND', `main \`${manifest.main}\` is not a file`, subject);
  }
  if (manifest.integrity !== undefined) checkIntegrity(entry, manifest.integrity, subject);
  return entry;
}

function checkIntegrity(entry: string, integrity: string, subject: { plugin: string; version: string; path: string }) {
  const dash = integrity.indexOf('-');
  const algorithm = integrity.slice(0, dash);
  const actual = `${algorithm}-${createHash(algorithm).update(readFileSync(entry)).digest('base64')}`;
  if (actual !== integrity) {
    throw new PluginError(
      'INTEGRITY_MISMATCH',
      `the entry's hash is ${actual}, the manifest says ${integrity}`,
      subject,
    );
  }
}
