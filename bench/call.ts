// call: a method call through host.get() against a direct call of the very same function.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Api, createHost } from 'plugboard';
import { BenchOp } from './contract.js';
import { type Figure, toFigure } from './figure.js';
import { ENTRY, generatePlugins, tempFolder } from './generate.js';

export interface CallCase {
  /** Calls per round without validation; validated rounds make a tenth as many. */
  readonly calls: number;
  readonly rounds: number;
  /** Rounds run first and thrown away, while the JIT settles. */
  readonly warmup: number;
}

export const CALL_TARGET_RATIO = 1.5;

type Add = (a: number, b: number) => number;
type Handle = Api<typeof BenchOp>;

// Three loops, not one shared one, so that each call site only ever sees one callee.
function loopDirect(add: Add, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += add(i, 1);
  return sum;
}

function loopHandle(handle: Handle, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += handle.add(i, 1);
  return sum;
}

function loopValidated(handle: Handle, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += handle.add(i, 1);
  return sum;
}

/** Nanoseconds per call; checks the sum, which also keeps the loop from being optimised away. */
function time(loop: () => number, n: number): number {
  const started = performance.now();
  const sum = loop();
  const ns = ((performance.now() - started) * 1e6) / n;
  if (sum !== (n * (n + 1)) / 2) throw new Error(`the loop summed ${sum}, expected ${(n * (n + 1)) / 2}`);
  return ns;
}

export async function measureCall(call: CallCase, judge: boolean): Promise<Figure[]> {
  await using folder = await tempFolder('repo');
  const [plugin] = await generatePlugins(folder.path, 1, 'plain');
  if (plugin === undefined) throw new Error('no plugin generated');
  // The host imports the same URL, so it serves this very function object.
  const { add } = (await import(pathToFileURL(join(plugin, ENTRY)).href)) as { add: Add };
  await using fast = createHost({ contracts: [BenchOp], validate: false });
  await using checked = createHost({ contracts: [BenchOp] });
  const { name } = await fast.load(plugin);
  await checked.load(plugin);
  const handle = fast.get(BenchOp, name);
  const validated = checked.get(BenchOp, name);

  const n = call.calls;
  const nValidated = Math.max(1, Math.round(n / 10));
  const sides = [
    () => time(() => loopDirect(add, n), n),
    () => time(() => loopHandle(handle, n), n),
    () => time(() => loopValidated(validated, nValidated), nValidated),
  ];
  const ns: number[][] = [[], [], []];
  for (let round = 0; round < call.warmup + call.rounds; round++) {
    // Rotate the order, so that no side always runs first after a pause.
    for (let k = 0; k < sides.length; k++) {
      const side = (round + k) % sides.length;
      const result = (sides[side] as () => number)();
      if (round >= call.warmup) (ns[side] as number[]).push(result);
    }
  }
  const [direct, viaHandle, viaValidated] = ns as [number[], number[], number[]];
  return [
    toFigure(
      {
        id: 'call',
        label: 'call via host.get(), validate: false',
        unit: 'ns',
        baselineLabel: 'direct call',
        target: `≤ ${CALL_TARGET_RATIO}×`,
        meets: (_, ratio) => ratio <= CALL_TARGET_RATIO,
      },
      viaHandle,
      direct,
      judge,
    ),
    toFigure(
      {
        id: 'call-validated',
        label: 'call via host.get(), zod validation',
        unit: 'ns',
        baselineLabel: 'direct call',
        target: 'report only',
      },
      viaValidated,
      direct,
      judge,
    ),
  ];
}
