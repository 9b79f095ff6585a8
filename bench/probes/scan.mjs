// @ts-check
// Reads every manifest of a directory in this fresh process; prints the cost as one JSON line.
// usage: node scan.mjs host|raw <directory>
//   host  scanPlugins(): discovery, manifest validation, entry checks
//   raw   readdir + readFile + JSON.parse of each plugin.json, all at once
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanPlugins } from 'plugboard';

const [mode, directory] = process.argv.slice(2);
if (mode === undefined || directory === undefined) throw new Error('usage: scan.mjs host|raw <directory>');

const started = performance.now();
const found = mode === 'host' ? await scan(directory) : await raw(directory);
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, found }));

/** @param {string} directory */
async function scan(directory) {
  const results = await scanPlugins(directory);
  const failure = results.find((result) => !result.ok);
  if (failure !== undefined && !failure.ok) throw failure.error;
  return results.length;
}

/** @param {string} directory */
async function raw(directory) {
  const names = await readdir(directory);
  const manifests = await Promise.all(
    names.map(async (name) => JSON.parse(await readFile(join(directory, name, 'plugin.json'), 'utf8'))),
  );
  return manifests.length;
}
