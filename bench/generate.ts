// Fixture plugins for the benchmarks, written to temporary folders that are removed afterwards.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** `plain`: no imports. `definePlugin`: imports plugboard, as a typical plugin does. */
export type PluginStyle = 'plain' | 'definePlugin';

/** Where the fixtures live: `repo` lets `import 'plugboard'` resolve natively; `outside` needs the resolve hook. */
export type Place = 'repo' | 'outside';

export const CONTRACT_ID = 'bench.op';
export const ENTRY = 'index.mjs';

const repoRoot = resolve(import.meta.dirname, '..');

/** A fresh temporary folder; `await using` removes it with everything inside. */
export async function tempFolder(place: Place): Promise<AsyncDisposable & { readonly path: string }> {
  const parent = place === 'repo' ? join(repoRoot, '.tmp') : tmpdir();
  await mkdir(parent, { recursive: true });
  const path = await mkdtemp(join(parent, 'plugboard-bench-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Writes `count` plugin folders into `directory`, each a plugin.json and an ESM entry whose
 * setup returns `{ 'bench.op': { add } }`. The entry also exports `add` itself, so a benchmark
 * can call the very function the host serves. Returns the plugin folders.
 */
export async function generatePlugins(directory: string, count: number, style: PluginStyle): Promise<string[]> {
  const width = String(count).length;
  const folders = Array.from({ length: count }, (_, i) => join(directory, `p${String(i).padStart(width, '0')}`));
  await Promise.all(
    folders.map(async (folder, i) => {
      await mkdir(folder);
      await writeFile(join(folder, 'plugin.json'), manifest(i));
      await writeFile(join(folder, ENTRY), entry(i, style));
    }),
  );
  return folders;
}

function manifest(i: number): string {
  const fields = { name: `bench-${i}`, version: '1.0.0', main: ENTRY, provides: { [CONTRACT_ID]: '^1.0.0' } };
  return `${JSON.stringify(fields, null, 2)}\n`;
}

// Each entry differs (its `id` export), so that no two modules share their source text.
function entry(i: number, style: PluginStyle): string {
  const plugin = `{\n  setup() {\n    return { '${CONTRACT_ID}': { add } };\n  },\n}`;
  const lines = [
    `export const id = ${i};`,
    'export function add(a, b) {\n  return a + b;\n}',
    style === 'plain' ? `export default ${plugin};` : `export default definePlugin(${plugin});`,
  ];
  if (style === 'definePlugin') lines.unshift("import { definePlugin } from 'plugboard';");
  return `${lines.join('\n\n')}\n`;
}

/** The contract of the isolation benchmarks' plugin; probes/isolated.mjs declares it. */
const ISOLATED_ID = 'bench.isolated';

/**
 * Writes one plugin folder into `directory` for the isolation benchmarks: `add`, and `pid`,
 * which tells which process serves the plugin. It imports nothing, so it runs as it is in a
 * worker or a child process. Returns the folder.
 */
export async function generateIsolatedPlugin(directory: string): Promise<string> {
  const folder = join(directory, 'isolated');
  const fields = { name: 'bench-isolated', version: '1.0.0', main: ENTRY, provides: { [ISOLATED_ID]: '^1.0.0' } };
  const methods = 'add: (a, b) => a + b, pid: () => process.pid';
  await mkdir(folder);
  await writeFile(join(folder, 'plugin.json'), `${JSON.stringify(fields, null, 2)}\n`);
  await writeFile(
    join(folder, ENTRY),
    `export default {\n  setup() {\n    return { '${ISOLATED_ID}': { ${methods} } };\n  },\n};\n`,
  );
  return folder;
}
