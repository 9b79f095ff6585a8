import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { copyProbe, existingAddon, Probe, probeHost } from '../fixtures/sandbox/probe.js';
import { tempDir } from '../helpers/fixtures.js';

// Process mode runs a plugin under Node's permission model: it reads its own folder and
// plugboard's runtime, and nothing else is allowed unless its manifest asks and the host grants.
// A denial fails that one call with PERMISSION_DENIED; the plugin goes on serving.
//
// PERMISSION_DENIED carries no field of its own naming the permission (only its message does),
// so the tests read it from the cause: Node's ERR_ACCESS_DENIED and its `permission`.

async function startProbe(dir: string): Promise<Host<readonly [typeof Probe], true>> {
  const host = probeHost('process');
  await host.load(copyProbe(dir));
  return host;
}

async function expectStillServing(host: Host<readonly [typeof Probe], true>): Promise<void> {
  expect(await host.get(Probe, 'probe').ping()).toBe('pong');
  expect(host.list().map((plugin) => [plugin.name, plugin.state])).toEqual([['probe', 'active']]);
}

// Node's names for what it denies, and the manifest permission that would grant each.
const MANIFEST_PERMISSION: Record<string, string> = {
  FileSystemRead: 'fsRead',
  FileSystemWrite: 'fsWrite',
  ChildProcess: 'childProcess',
  WorkerThreads: 'worker',
};

const denied = (method: string, permission: string) => ({
  code: 'PERMISSION_DENIED',
  plugin: 'probe',
  contract: 'test.probe',
  method,
  issues: [{ code: 'PERMISSION_DENIED', path: `permissions.${MANIFEST_PERMISSION[permission]}` }],
  cause: { code: 'ERR_ACCESS_DENIED', permission },
});

describe('a process-mode plugin is denied, and stays active', () => {
  test('reading a file outside its folder (fsRead)', async () => {
    const dir = tempDir();
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'not for plugins');
    const host = await startProbe(dir);

    await expect(host.get(Probe, 'probe').read(secret)).rejects.toMatchObject({
      ...denied('read', 'FileSystemRead'),
      cause: { code: 'ERR_ACCESS_DENIED', permission: 'FileSystemRead', resource: secret },
    });
    await expectStillServing(host);
  });

  test('writing a file, even inside its own folder (fsWrite)', async () => {
    const dir = tempDir();
    const host = await startProbe(dir);
    const probe = host.get(Probe, 'probe');
    const outside = join(dir, 'written.txt');
    const inside = join(dir, 'probe', 'written.txt');

    await expect(probe.write(outside, 'x')).rejects.toMatchObject(denied('write', 'FileSystemWrite'));
    await expect(probe.write(inside, 'x')).rejects.toMatchObject(denied('write', 'FileSystemWrite'));
    await expect(probe.writeOwn('written.txt', 'x')).rejects.toMatchObject(denied('writeOwn', 'FileSystemWrite'));
    expect([existsSync(outside), existsSync(inside)]).toEqual([false, false]);
    await expectStillServing(host);
  });

  test('spawning a child process (childProcess)', async () => {
    const host = await startProbe(tempDir());

    await expect(host.get(Probe, 'probe').spawn('process.stdout.write("ran")')).rejects.toMatchObject(
      denied('spawn', 'ChildProcess'),
    );
    await expectStillServing(host);
  });

  test('starting a worker thread (worker)', async () => {
    const host = await startProbe(tempDir());

    await expect(host.get(Probe, 'probe').startWorker()).rejects.toMatchObject(denied('startWorker', 'WorkerThreads'));
    await expectStillServing(host);
  });

  const addon = existingAddon();
  test.skipIf(addon === undefined)('loading a native addon (addons)', async () => {
    const dir = tempDir();
    const folder = copyProbe(dir);
    cpSync(addon as string, join(folder, 'addon.node'));
    const host = probeHost('process');
    await host.load(folder);

    // Node 20 refuses addons under the permission model with ERR_DLOPEN_DISABLED, not ERR_ACCESS_DENIED.
    await expect(host.get(Probe, 'probe').addon('addon.node')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      plugin: 'probe',
      method: 'addon',
      cause: { code: 'ERR_DLOPEN_DISABLED' },
    });
    await expectStillServing(host);
  });
});

describe('a process-mode plugin reads its own folder', () => {
  test('through import.meta.url', async () => {
    const host = await startProbe(tempDir());

    expect(await host.get(Probe, 'probe').readOwn('data.txt')).toBe('data inside the plugin folder\n');
  });

  test('not by its real path on disk: it sees its folder through the view the host makes', async () => {
    const dir = tempDir();
    const host = await startProbe(dir);

    await expect(host.get(Probe, 'probe').read(join(dir, 'probe', 'data.txt'))).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      cause: { code: 'ERR_ACCESS_DENIED', permission: 'FileSystemRead' },
    });
    await expectStillServing(host);
  });
});
