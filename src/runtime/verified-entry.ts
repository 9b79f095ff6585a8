import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/**
 * Runs an entry from the CommonJS the host made of its verified bytes (isolation/verified.ts),
 * as `import()` would return it: an ES module's exports, or a CommonJS module's as its default.
 * What the entry imports is required from disk by Node, relative to where the plugin sees its
 * entry, so `import 'plugboard'` finds the plugin API as it would otherwise.
 */
export function evaluateVerified(entry: string, code: string, esm: boolean): unknown {
  const run = vm.compileFunction(
    code,
    ['exports', 'require', 'module', '__filename', '__dirname', '__plugboard_meta'],
    {
      filename: entry,
    },
  );
  const require = createRequire(entry);
  const meta = {
    url: pathToFileURL(entry).href,
    filename: entry,
    dirname: dirname(entry),
    resolve: (specifier: string) => pathToFileURL(require.resolve(specifier)).href,
  };
  const module = { exports: {} as Record<string, unknown> };
  run(module.exports, require, module, entry, dirname(entry), meta);
  return esm ? module.exports : { default: module.exports };
}
