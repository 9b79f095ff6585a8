import semver from 'semver';
import { formatIssue, type Issue, PluginError } from '../errors.js';
import { formatPath } from './parse.js';
import type { Manifest } from './schema.js';

/** What a host offers, as far as compatibility is concerned. */
export interface HostProfile {
  readonly version: string;
  /** Contract id → the contract version the host declares. */
  readonly contracts: ReadonlyMap<string, string>;
}

/**
 * Decides from the manifest alone whether a plugin fits the host: its host range, and the
 * range of each contract it provides or requires. Returns every mismatch.
 */
export function checkCompatibility(manifest: Manifest, host: HostProfile): Issue[] {
  const issues: Issue[] = [];
  const hostRange = manifest.engines?.plugboard;
  if (hostRange !== undefined && !semver.satisfies(host.version, hostRange)) {
    issues.push({
      code: 'HOST_INCOMPATIBLE',
      path: 'engines.plugboard',
      message: `needs a host in \`${hostRange}\`, this host is ${host.version}`,
    });
  }
  for (const [id, range] of Object.entries(manifest.provides)) {
    const declared = host.contracts.get(id);
    const path = formatPath(['provides', id]);
    if (declared === undefined) {
      issues.push({
        code: 'CONTRACT_UNKNOWN',
        path,
        message: `the host declares no contract \`${id}\` (it has: ${list(host)})`,
      });
    } else if (!semver.satisfies(declared, range)) {
      issues.push({
        code: 'CONTRACT_INCOMPATIBLE',
        path,
        message: `implements \`${range}\`, the host declares ${id}@${declared}`,
      });
    }
  }
  for (const [key, range] of Object.entries(manifest.requires ?? {})) {
    const declared = host.contracts.get(key);
    if (declared !== undefined && !semver.satisfies(declared, range)) {
      issues.push({
        code: 'CONTRACT_INCOMPATIBLE',
        path: formatPath(['requires', key]),
        message: `requires \`${range}\`, the host declares ${key}@${declared}`,
      });
    }
  }
  return issues;
}

/** The error for a plugin whose manifest does not fit the host; named after its first issue. */
export function incompatibleError(manifest: Manifest, folder: string, issues: readonly Issue[]): PluginError {
  return new PluginError((issues[0] as Issue).code, `does not fit this host: ${issues.map(formatIssue).join('; ')}`, {
    plugin: manifest.name,
    version: manifest.version,
    path: folder,
    issues,
  });
}

function list(host: HostProfile): string {
  return host.contracts.size === 0 ? 'none' : [...host.contracts.keys()].join(', ');
}
