import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { tempDir } from '../helpers/fixtures.js';
import { isolatedHost } from '../helpers/host.js';
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
