// Runs one measurement in a fresh `node` process and reads back the JSON line it prints.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const probes = resolve(import.meta.dirname, 'probes');

/**
 * Plain `node`, no TypeScript loader: a loader's hooks would sit on every import being timed.
 * `flags` go to node (`--expose-gc`), `args` to the probe.
 */
export async function probe<T>(script: string, args: readonly string[], flags: readonly string[] = []): Promise<T> {
  const { stdout } = await run(process.execPath, [...flags, resolve(probes, script), ...args], {
    cwd: resolve(import.meta.dirname, '..'),
    env: cleanEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = stdout.trim().split('\n').at(-1);
  if (last === undefined || last === '') throw new Error(`probe ${script} ${args.join(' ')} printed nothing`);
  return JSON.parse(last) as T;
}

/** The environment without NODE_OPTIONS, through which a loader (tsx, a coverage hook) could slip in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _, ...env } = process.env;
  return env;
}

export type Side = 'host' | 'raw';

/**
 * Runs each side once a round, alternating which goes first, so that neither always inherits
 * the other's warm caches or a quiet moment of the machine. Round `i` of both sides pair up.
 */
export function pairedRounds<T>(rounds: number, run: (side: Side) => Promise<T>): Promise<Record<Side, T[]>> {
  return rotatedRounds(rounds, ['host', 'raw'], run);
}

/** pairedRounds() for any number of sides: each round starts one side later than the last. */
export async function rotatedRounds<S extends string, T>(
  rounds: number,
  sides: readonly S[],
  run: (side: S) => Promise<T>,
): Promise<Record<S, T[]>> {
  const results = Object.fromEntries(sides.map((side) => [side, []])) as unknown as Record<S, T[]>;
  for (let round = 0; round < rounds; round++) {
    const shift = round % sides.length;
    for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) results[side].push(await run(side));
  }
  return results;
}
