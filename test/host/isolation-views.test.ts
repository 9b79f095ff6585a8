import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { tempDir, writePlugin } from '../helpers/fixtures.js';
import { isolatedHost, testHost } from '../helpers/host.js';
import { writeGreeter } from '../helpers/plugins.js';

// The directory a host lays out so that `import 'plugboard'` works in a sandboxed child: one
// slot per worker or process, gone when it is.
function viewRootOf(entryUrl: string): string {
  const match = /^(.*\/plugboard-[^/]+)\/s\d+\//.exec(new URL(entryUrl).pathname);
  if (match === null) throw new Error(`not a view path: ${entryUrl}`);
  return match[1] as string;
}

describe.each(['worker', 'process'] as const)('views (%s)', (mode) => {
  test('each unloaded plugin takes its slot with it, and close() removes the view', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'where', { greet: '() => import.meta.url' });
    const host = isolatedHost(mode);
    await host.load(join(dir, 'where'));
    const root = viewRootOf(await host.get(Greeter, 'where').greet('x'));
    expect(root.startsWith(tmpdir())).toBe(true);

    for (let round = 0; round < 3; round++) {
      await host.unload('where');
      await host.load(join(dir, 'where'));
    }
    expect(readdirSync(root).filter((name) => name.startsWith('s'))).toHaveLength(1);

    await host.close();
    expect(existsSync(root)).toBe(false);
  });
});

describe('an inline host, then an isolated one, in the same process', () => {
  test('a plugin that needed the inline resolve hook still finds plugboard in a worker', async () => {
    const dir = tempDir();
    writePlugin(
      dir,
      { name: 'own-package', version: '1.0.0', main: 'index.js', provides: { 'test.greeter': '^1.0.0' } },
      `import { definePlugin } from 'plugboard';
export default definePlugin({ setup: () => ({ 'test.greeter': { language: 'x', greet: (w) => 'hi ' + w, greetLater: async (w) => w } }) });`,
    );
    writeFileSync(join(dir, 'own-package', 'package.json'), JSON.stringify({ name: 'own-package', type: 'module' }));
    const inline = testHost();
    await inline.load(join(dir, 'own-package'));
    await inline.close();

    const host = isolatedHost('worker');
    await host.load(join(dir, 'own-package'));
    await expect(host.get(Greeter, 'own-package').greet('ada')).resolves.toBe('hi ada');
  });
});
