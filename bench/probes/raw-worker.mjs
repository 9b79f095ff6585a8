// @ts-check
// The raw worker of the isolation baselines: says `ready` as soon as it runs, then answers
// `{ id, a, b }` with `{ id, sum }` by postMessage, or, given a SharedArrayBuffer, through Atomics.
import { parentPort, workerData } from 'node:worker_threads';

// The shared cell holds [turn, a, b, sum]; the turn is idle (0), asked, answered or stop.
const TURN = 0;
const ASKED = 1;
const ANSWERED = 2;
const STOP = 3;
const SPIN_MS = 0.25;

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
port.postMessage('ready');
if (workerData?.cell instanceof SharedArrayBuffer) serveShared(new Int32Array(workerData.cell));
else
  port.on('message', (/** @type {{ id: number, a: number, b: number }} */ { id, a, b }) =>
    port.postMessage({ id, sum: a + b }),
  );

/**
 * Checks the cell for a while before it sleeps on it, as a fast RPC over shared memory does:
 * a futex wake-up costs more than the call.
 * @param {Int32Array} cell
 */
function serveShared(cell) {
  for (;;) {
    const until = performance.now() + SPIN_MS;
    while (Atomics.load(cell, TURN) !== ASKED && performance.now() < until) {}
    const turn = Atomics.load(cell, TURN);
    if (turn === STOP) return;
    if (turn !== ASKED) {
      Atomics.wait(cell, TURN, turn);
      continue;
    }
    cell[3] = /** @type {number} */ (cell[1]) + /** @type {number} */ (cell[2]);
    Atomics.store(cell, TURN, ANSWERED);
    Atomics.notify(cell, TURN);
  }
}
