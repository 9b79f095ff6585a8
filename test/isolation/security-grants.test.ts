import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { copyProbe, existingAddon, Probe, probeHost } from '../fixtures/sandbox/probe.js';
import { tempDir } from '../helpers/fixtures.js';

// A process-mode plugin gets a permission only when its manifest asks for it AND the host
// grants it. Asked but not granted: the load fails before any plugin code runs. Granted but
// not asked: nothing changes.

const deniedWrite = { code: 'PERMISSION_DENIED', cause: { code: 'ERR_ACCESS_DENIED', permission: 'FileSystemWrite' } };

/** A probe asking to write its `out` folder, and where it would write its proof of running. */
function writerProbe(extra: Record<string, unknown> = {}): { dir: string; folder: string; marker: string } {
  const dir = tempDir();
  const folder = copyProbe(dir, { fsWrite: ['out'], ...extra });
  mkdirSync(join(folder, 'out'));
  return { dir, folder, marker: join(folder, 'out', 'ran.txt') };
}

describe('fsWrite asked and granted', () => {
  test('granted through the host option `plugins`: writes inside the asked folder, nowhere else', async () => {
    const { dir, folder } = writerProbe();
    const host = probeHost('process', { plugins: { probe: { grants: { fsWrite: true } } } });
    await host.load(folder);
    const probe = host.get(Probe, 'probe');

    expect(await probe.write(join(folder, 'out', 'result.txt'), 'written')).toBe(true);
    expect(readFileSync(join(folder, 'out', 'result.txt'), 'utf8')).toBe('written');
    await expect(probe.write(join(folder, 'beside-out.txt'), 'x')).rejects.toMatchObject(deniedWrite);
    await expect(probe.write(join(dir, 'outside.txt'), 'x')).rejects.toMatchObject(deniedWrite);
  });

  test('granted through the load option: writes inside the asked folder, nowhere else', async () => {
    const { dir, folder } = writerProbe();
    const host = probeHost('process');
    await host.load(folder, { grants: { fsWrite: true } });
    const probe = host.get(Probe, 'probe');

    expect(await probe.write(join(folder, 'out', 'result.txt'), 'written')).toBe(true);
    expect(readFileSync(join(folder, 'out', 'result.txt'), 'utf8')).toBe('written');
    await expect(probe.write(join(dir, 'outside.txt'), 'x')).rejects.toMatchObject(deniedWrite);
  });

  test('the plugin can write there through its own import.meta.url', async () => {
    const { folder } = writerProbe();
    const host = probeHost('process');
    await host.load(folder, { grants: { fsWrite: true } });

    expect(await host.get(Probe, 'probe').writeOwn('out/result.txt', 'written')).toBe(true);
    expect(readFileSync(join(folder, 'out', 'result.txt'), 'utf8')).toBe('written');
  });
});

test('a granted folder that does not exist yet can be made, and written into at any depth', async () => {
  const dir = tempDir();
  const folder = copyProbe(dir, { fsWrite: ['later'] });
  const host = probeHost('process');
  await host.load(folder, { grants: { fsWrite: true } });

  expect(await host.get(Probe, 'probe').write(join(folder, 'later', 'deep', 'note.txt'), 'made')).toBe(true);
  expect(readFileSync(join(folder, 'later', 'deep', 'note.txt'), 'utf8')).toBe('made');
  await expect(host.get(Probe, 'probe').write(join(folder, 'laterish.txt'), 'x')).rejects.toMatchObject(deniedWrite);
});

describe('other permissions asked and granted', () => {
  test('childProcess: spawns, and still writes nothing itself', async () => {
    const dir = tempDir();
    const host = probeHost('process', { plugins: { probe: { grants: { childProcess: true } } } });
    await host.load(copyProbe(dir, { childProcess: true }));
    const probe = host.get(Probe, 'probe');

    expect(await probe.spawn('process.stdout.write("from a child")')).toBe('from a child');
    await expect(probe.write(join(dir, 'outside.txt'), 'x')).rejects.toMatchObject(deniedWrite);
  });

  test('childProcess granted through the load option', async () => {
    const host = probeHost('process');
    await host.load(copyProbe(tempDir(), { childProcess: true }), { grants: { childProcess: true } });

    expect(await host.get(Probe, 'probe').spawn('process.stdout.write("from a child")')).toBe('from a child');
  });

  test('worker: starts a worker thread', async () => {
    const host = probeHost('process', { plugins: { probe: { grants: { worker: true } } } });
    await host.load(copyProbe(tempDir(), { worker: true }));

    expect(await host.get(Probe, 'probe').startWorker()).toBe('from a worker');
  });

  test('fsRead: reads the asked path outside its folder, and no other', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared', 'table.txt'), 'shared data');
    writeFileSync(join(dir, 'secret.txt'), 'not for plugins');
    const host = probeHost('process', { plugins: { probe: { grants: { fsRead: true } } } });
    await host.load(copyProbe(dir, { fsRead: [join(dir, 'shared')] }));
    const probe = host.get(Probe, 'probe');

    expect(await probe.read(join(dir, 'shared', 'table.txt'))).toBe('shared data');
    await expect(probe.read(join(dir, 'secret.txt'))).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      cause: { code: 'ERR_ACCESS_DENIED', permission: 'FileSystemRead' },
    });
  });

  const addon = existingAddon();
  test.skipIf(addon === undefined)('addons: loads a native addon from its folder', async () => {
    const folder = copyProbe(tempDir(), { addons: true });
    cpSync(addon as string, join(folder, 'addon.node'));
    const host = probeHost('process', { plugins: { probe: { grants: { addons: true } } } });
    await host.load(folder);

    expect(await host.get(Probe, 'probe').addon('addon.node')).toBe('object');
  });
});

describe('asked but not granted', () => {
  test('the plugin that would prove it ran, given every grant, does run (the control)', async () => {
    const { folder, marker } = writerProbe({ childProcess: true });
    const host = probeHost('process', { config: { probe: { marker } } });
    await host.load(folder, { grants: { fsWrite: true, childProcess: true } });

    expect(readFileSync(marker, 'utf8')).toBe('ran');
  });

  test('the load fails with PERMISSION_NOT_GRANTED before the plugin runs', async () => {
    // Granted fsWrite, so it could write its marker if it ran; refused childProcess, so it must not run.
    const { folder, marker } = writerProbe({ childProcess: true });
    const host = probeHost('process', { config: { probe: { marker } } });

    await expect(host.load(folder, { grants: { fsWrite: true } })).rejects.toMatchObject({
      code: 'PERMISSION_NOT_GRANTED',
      plugin: 'probe',
    });
    expect(existsSync(marker)).toBe(false);
  });

  test('with no grants at all, the load fails with PERMISSION_NOT_GRANTED', async () => {
    const host = probeHost('process');

    await expect(host.load(copyProbe(tempDir(), { worker: true }))).rejects.toMatchObject({
      code: 'PERMISSION_NOT_GRANTED',
      plugin: 'probe',
    });
  });
});

describe('granted but not asked', () => {
  test('everything stays denied', async () => {
    const dir = tempDir();
    const all = { fsRead: true, fsWrite: true, childProcess: true, worker: true, addons: true };
    const host = probeHost('process', { plugins: { probe: { grants: all } } });
    await host.load(copyProbe(dir));
    const probe = host.get(Probe, 'probe');
    const denied = (permission: string) => ({
      code: 'PERMISSION_DENIED',
      cause: { code: 'ERR_ACCESS_DENIED', permission },
    });

    await expect(probe.write(join(dir, 'probe', 'out.txt'), 'x')).rejects.toMatchObject(denied('FileSystemWrite'));
    await expect(probe.spawn('process.stdout.write("ran")')).rejects.toMatchObject(denied('ChildProcess'));
    await expect(probe.startWorker()).rejects.toMatchObject(denied('WorkerThreads'));
  });
});
