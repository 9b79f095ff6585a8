import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { copyProbe, Probe, probeHost } from '../fixtures/sandbox/probe.js';
import { tempDir } from '../helpers/fixtures.js';

// Node 20's permission model follows symlinks: a link inside a plugin's folder would open
// whatever it points to. So before a process-mode plugin starts, its folder is searched and a
// link resolving outside it is refused. Each plugin here asks to write its `out` folder and is
// granted it, so it writes a marker when it runs: its absence shows the plugin never ran.

function markedProbe(): { dir: string; folder: string; marker: string } {
  const dir = tempDir();
  const folder = copyProbe(dir, { fsWrite: ['out'] });
  mkdirSync(join(folder, 'out'));
  return { dir, folder, marker: join(folder, 'out', 'ran.txt') };
}

function hostFor(marker: string) {
  return probeHost('process', { config: { probe: { marker } }, plugins: { probe: { grants: { fsWrite: true } } } });
}

describe('a process-mode plugin folder with a symlink', () => {
  test('to a file outside it is refused before the plugin runs', async () => {
    const { dir, folder, marker } = markedProbe();
    writeFileSync(join(dir, 'secret.txt'), 'not for plugins');
    symlinkSync(join(dir, 'secret.txt'), join(folder, 'secret.txt'));

    await expect(hostFor(marker).load(folder)).rejects.toMatchObject({
      code: 'SYMLINK_OUTSIDE_PLUGIN',
      plugin: 'probe',
      path: join(folder, 'secret.txt'),
    });
    expect(existsSync(marker)).toBe(false);
  });

  test('to a directory outside it, deep in a subfolder, is refused before the plugin runs', async () => {
    const { dir, folder, marker } = markedProbe();
    mkdirSync(join(dir, 'elsewhere'));
    mkdirSync(join(folder, 'lib', 'deep'), { recursive: true });
    symlinkSync('../../../elsewhere', join(folder, 'lib', 'deep', 'escape'), 'dir');

    await expect(hostFor(marker).load(folder)).rejects.toMatchObject({
      code: 'SYMLINK_OUTSIDE_PLUGIN',
      path: join(folder, 'lib', 'deep', 'escape'),
    });
    expect(existsSync(marker)).toBe(false);
  });

  test('to a file inside it loads, and the plugin reads through the link', async () => {
    const { folder, marker } = markedProbe();
    symlinkSync('data.txt', join(folder, 'alias.txt'));
    const host = hostFor(marker);
    await host.load(folder);

    expect(readFileSync(marker, 'utf8')).toBe('ran');
    expect(await host.get(Probe, 'probe').readOwn('alias.txt')).toBe('data inside the plugin folder\n');
  });

  test('that dangles loads: it opens nothing', async () => {
    const { folder, marker } = markedProbe();
    symlinkSync(join(folder, 'no-such-file.txt'), join(folder, 'dangling.txt'));
    const host = hostFor(marker);
    await host.load(folder);

    expect(readFileSync(marker, 'utf8')).toBe('ran');
    expect(await host.get(Probe, 'probe').ping()).toBe('pong');
  });
});
