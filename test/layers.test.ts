import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkLayers, readLayers } from '../scripts/check-layers.js';
import { repoRoot, tempDir } from './helpers/fixtures.js';

const layers = readLayers(readFileSync(join(repoRoot, 'docs/architecture.md'), 'utf8'));

function tree(files: Record<string, string>): string {
  const src = join(tempDir(), 'src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(src, path, '..'), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

describe('the layering of src/', () => {
  test('holds for the real source tree', () => {
    expect(checkLayers(join(repoRoot, 'src'), layers)).toEqual([]);
  });

  test('catches an import that points up, a pure layer touching node:, and the CLI reaching past the public API', () => {
    const src = tree({
      'errors.ts': "import { x } from './host/create-host.js';\n",
      'lifecycle/machine.ts': "import { readFile } from 'node:fs';\n",
      'cli/main.ts': "import { createHost } from '../host/create-host.js';\n",
      'host/create-host.ts': "import { y } from '../loader/load-plugin.js';\n",
      'loader/load-plugin.ts': 'export const y = 1;\n',
      'surprise/x.ts': '',
    });

    expect(checkLayers(src, layers)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('errors.ts may not import host'),
        expect.stringContaining('the lifecycle layer is pure'),
        expect.stringContaining('cli uses only the public API'),
        expect.stringContaining('`surprise` is not in the layers'),
      ]),
    );
    expect(checkLayers(src, layers)).toHaveLength(4);
  });
});
