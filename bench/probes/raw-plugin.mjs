// @ts-check
// The raw baseline of a reload behind a boundary: a fresh worker (`new Worker(file, { argv })`)
// or child process (`fork(file, [entry])`) that imports the plugin entry given as its argument,
// runs its setup() and sends what `version()` answers, once. A child ends with its channel.
import { parentPort } from 'node:worker_threads';

const entry = process.argv[2];
if (entry === undefined) throw new Error('usage: raw-plugin.mjs <entry URL>');
const plugin = await import(entry);
const version = plugin.default.setup()['bench.reloadable'].version();
if (parentPort !== null) parentPort.postMessage(version);
else {
  /** @type {NonNullable<typeof process.send>} */ (process.send).call(process, version);
  process.on('disconnect', () => process.exit(0));
}
