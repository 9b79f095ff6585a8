import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { isPluginError, type PluginErrorCode, type ReloadFailedEvent } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { tempDir } from '../helpers/fixtures.js';
import { isolatedHost } from '../helpers/host.js';
import { rejection } from '../helpers/outcomes.js';
import { BREAKAGES, type Breakage, writeGreeterVersion } from '../helpers/reload-plugins.js';

const MODES = ['inline', 'worker', 'process'] as const;
const RELOADS = 100;
const CALLERS = 8;

/** Every fourth new version is broken, in each of the ways in turn: 25 broken, 5 of each kind. */
function breakageOf(n: number): readonly [Breakage, PluginErrorCode] | undefined {
  return n % 4 === 0 ? BREAKAGES[(n / 4 - 1) % BREAKAGES.length] : undefined;
}

const versionOf = (n: number) => `1.0.${n}`;

describe.each(MODES)('100 reloads under a steady call load (%s)', (mode) => {
  test('every call answers from a version current during it, none is lost, broken versions never serve', async () => {
    const folder = join(tempDir(), 'greeter');
    writeGreeterVersion(folder, { version: versionOf(0), marker: 'v0' });
    // A warm pool takes the spawn of a child out of each process-mode reload.
    const host = isolatedHost(mode === 'process' ? { minimum: 'process', pool: 2 } : mode, {
      timeouts: { setupMs: 300, callMs: 2_000 },
    });
    await host.load(folder);
    const greeter = host.get(Greeter, 'greeter');
    const failedEvents: ReloadFailedEvent[] = [];
    host.on('reload-failed', (event) => failedEvents.push(event));

    // What may answer a call: the versions that became current from its start to its end, and
    // a good version being reloaded (it may switch in before its reload() resolves).
    const current = [0];
    let candidate: number | undefined;
    let reloading = false;
    let stop = false;
    let started = 0;
    let settled = 0;
    let duringReloads = 0;
    const wrongAnswers: string[] = [];
    const rejections: unknown[] = [];

    const caller = async (id: number) => {
      for (let i = 0; !stop; i++) {
        const from = current.length - 1;
        const candidateAtStart = candidate;
        if (reloading) duringReloads++;
        started++;
        try {
          const later = i % 2 === 1;
          const answer = await (later ? greeter.greetLater(`c${id}`) : greeter.greet(`c${id}`));
          const allowed = new Set([...current.slice(from), candidateAtStart, candidate]);
          const match = new RegExp(`^v(\\d+):${later ? 'later:' : ''}c${id}$`).exec(answer);
          if (match === null || !allowed.has(Number(match[1]))) {
            wrongAnswers.push(`${answer} (allowed: ${[...allowed].join(', ')})`);
          }
        } catch (error) {
          rejections.push(isPluginError(error) ? `${error.code}: ${error.message}` : error);
        } finally {
          settled++;
        }
        // Inline answers settle in microtasks: yield, or the callers would starve the reloads.
        await turn();
      }
    };

    const expectedCodes: [number, PluginErrorCode][] = [];
    const codes: [number, PluginErrorCode][] = [];
    const callers = Array.from({ length: CALLERS }, (_, id) => caller(id));
    try {
      for (let n = 1; n <= RELOADS; n++) {
        const broken = breakageOf(n);
        const serving = current.at(-1) as number;
        writeGreeterVersion(folder, { version: versionOf(n), marker: `v${n}`, broken: broken?.[0] });
        reloading = true;
        if (broken === undefined) {
          candidate = n;
          const report = await host.reload('greeter');
          current.push(n);
          candidate = undefined;
          reloading = false;
          expect(report.next.version).toBe(versionOf(n));
          await expect(greeter.greet('check')).resolves.toBe(`v${n}:check`);
        } else {
          expectedCodes.push([n, broken[1]]);
          codes.push([n, (await rejection(host.reload('greeter'))).code]);
          reloading = false;
          await expect(greeter.greet('check')).resolves.toBe(`v${serving}:check`);
        }
      }
    } finally {
      stop = true;
      await Promise.all(callers);
    }

    expect(codes).toEqual(expectedCodes);
    expect(failedEvents.map((event) => [event.attempted?.version, event.error.code])).toEqual(
      expectedCodes.map(([n, code]) => [versionOf(n), code]),
    );
    // The version still serving is named in each event: the last good one before it.
    for (const event of failedEvents) {
      const n = Number(event.attempted?.version?.split('.')[2]);
      expect(event.plugin.version).toBe(versionOf(n - 1));
    }
    expect(wrongAnswers).toEqual([]);
    expect(rejections).toEqual([]);
    expect(settled).toBe(started);
    expect(duringReloads).toBeGreaterThan(0);
    // One version left: every old and broken one was stopped and dropped.
    expect(host.inspect().plugins).toMatchObject([{ version: versionOf(RELOADS - 1), state: 'active', reloads: 75 }]);
  }, 180_000); // process mode alone took 45-65 s on a shared 2-core machine
});
