// @ts-check
// Keeps 8 callers calling a plugin in this fresh process while it is reloaded again and again;
// prints how many calls were made and failed, the worst latency of a call that overlapped a
// reload, and the median of the calls that did not, as one JSON line.
// usage: node reload-calls.mjs inline|worker|process <plugin folder> <reloads>
// A reload lasts from host.reload() to its report: the new version's start, the switch, the old
// version's drain and stop. Each one writes a new version of the entry first, so the code changes.
import { setImmediate as turn } from 'node:timers/promises';
import { createHost } from 'plugboard';
import { median } from './isolated.mjs';
import { NAME, Reloadable, writePlugin, writeVersion } from './reloadable.mjs';

const [mode, folder, count] = process.argv.slice(2);
if (mode === undefined || folder === undefined || count === undefined)
  throw new Error('usage: reload-calls.mjs inline|worker|process <plugin folder> <reloads>');
const reloads = Number(count);
const CALLERS = 8;
// Calls before the first reload and after the last, so that calls outside reloads are many.
const QUIET_MS = 200;

writePlugin(folder);
const host = createHost({ contracts: [Reloadable], ...(mode === 'inline' ? {} : { isolation: mode }) });
await host.load(folder);
const handle = host.get(Reloadable, NAME);
/** @type {[number, number][]} when each reload started and ended */
const windows = [];
/** @type {[number, number][]} when each call started and ended */
const calls = [];
/** @type {Map<string, number>} failed calls by error code */
const failures = new Map();
let calling = true;

const callers = Array.from({ length: CALLERS }, async () => {
  while (calling) {
    const started = performance.now();
    try {
      await handle.version();
      calls.push([started, performance.now()]);
    } catch (error) {
      const code = /** @type {{ code?: string }} */ (error).code ?? 'not a PluginError';
      failures.set(code, (failures.get(code) ?? 0) + 1);
    }
    await turn(); // an inline handle answers synchronously: let the loop, and the other callers, run
  }
});
await quiet();
for (let n = 2; n < reloads + 2; n++) {
  writeVersion(folder, n);
  const started = performance.now();
  const report = await host.reload(NAME);
  windows.push([started, performance.now()]);
  if (report.abandonedCalls > 0) throw new Error(`reload ${n} abandoned ${report.abandonedCalls} calls`);
}
await quiet();
calling = false;
await Promise.all(callers);
const answering = await handle.version();
await host.close();
if (answering !== reloads + 1) throw new Error(`after ${reloads} reloads version ${answering} answers`);

const overlaps = (/** @type {[number, number]} */ [start, end]) =>
  windows.some(([from, to]) => start < to && end > from);
const during = calls.filter(overlaps).map(([start, end]) => end - start);
const outside = calls.filter((call) => !overlaps(call)).map(([start, end]) => end - start);
console.log(
  JSON.stringify({
    calls: calls.length + [...failures.values()].reduce((sum, each) => sum + each, 0),
    failed: Object.fromEntries(failures),
    worstDuring: during.reduce((worst, ms) => Math.max(worst, ms), 0),
    medianOutside: median(outside),
    reloadMedian: median(windows.map(([from, to]) => to - from)),
  }),
);

function quiet() {
  return new Promise((resolve) => setTimeout(resolve, QUIET_MS));
}
