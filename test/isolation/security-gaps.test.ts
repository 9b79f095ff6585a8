import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { copyProbe, Probe, probeHost } from '../fixtures/sandbox/probe.js';
import { onCleanup, tempDir } from '../helpers/fixtures.js';

// What the sandbox does NOT stop on Node 20, as docs/security.md says. Each test passes while
// the gap is there; when a Node version or plugboard closes one, its test fails, and the page
// has to change with it.

async function processProbe(options: Parameters<typeof probeHost>[1] = {}, permissions?: Record<string, unknown>) {
  const dir = tempDir();
  const host = probeHost('process', options);
  await host.load(copyProbe(dir, permissions));
  return { dir, probe: host.get(Probe, 'probe') };
}

describe('documented gaps of process mode on Node 20', () => {
  test('gap: a process-mode plugin can open network connections', async () => {
    const server = createServer((socket) => socket.end());
    const connected = new Promise((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    const { probe } = await processProbe();

    expect(await probe.connect(port)).toBe(true);
    await connected;
  });

  test("gap: a process-mode plugin can send signals to the host's process (process.kill)", async () => {
    const { probe } = await processProbe();

    // Signal 0 only checks that the signal could be delivered; SIGKILL would be delivered as well.
    expect(await probe.signal(process.pid)).toBe(true);
  });

  test("gap: a process-mode plugin reads the host's environment variables", async () => {
    process.env.PLUGBOARD_SECURITY_TEST = 'visible to plugins';
    onCleanup(() => {
      delete process.env.PLUGBOARD_SECURITY_TEST;
    });
    const { probe } = await processProbe();

    expect(await probe.env('PLUGBOARD_SECURITY_TEST')).toBe('visible to plugins');
  });

  test('gap: a child process the plugin was granted runs outside the sandbox', async () => {
    const grants = { plugins: { probe: { grants: { childProcess: true } } } };
    const { dir, probe } = await processProbe(grants, { childProcess: true });
    const file = join(dir, 'written-by-grandchild.txt');

    await probe.spawn(`require('node:fs').writeFileSync(${JSON.stringify(file)}, 'escaped')`);
    expect(readFileSync(file, 'utf8')).toBe('escaped');
  });
});

describe('worker mode is not a sandbox', () => {
  test('a worker-mode plugin writes a file wherever the host could', async () => {
    const dir = tempDir();
    const host = probeHost('worker');
    await host.load(copyProbe(dir));
    const file = join(dir, 'written-by-worker.txt');

    expect(await host.get(Probe, 'probe').write(file, 'unchecked')).toBe(true);
    expect(existsSync(file)).toBe(true);
  });
});
