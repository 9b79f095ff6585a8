// scan: scanPlugins() against raw readdir + readFile + JSON.parse of the same manifests, each in a fresh process.
import { type FigureSpec, toFigure } from './figure.js';
import { generatePlugins, tempFolder } from './generate.js';
import { pairedRounds, probe } from './probe.js';

export interface ScanCase {
  readonly count: number;
  readonly rounds: number;
}

interface ScanProbe {
  readonly ms: number;
  readonly found: number;
}

export const SCAN_TARGET_MS = 1_000;

export async function measureScan(scan: ScanCase, judge: boolean) {
  await using folder = await tempFolder('outside');
  await generatePlugins(folder.path, scan.count, 'plain');
  const ms = await pairedRounds(scan.rounds, async (side) => {
    const result = await probe<ScanProbe>('scan.mjs', [side, folder.path]);
    if (result.found !== scan.count) throw new Error(`${side} found ${result.found} of ${scan.count} manifests`);
    return result.ms;
  });
  const spec: FigureSpec = {
    id: 'scan',
    label: `scan ${scan.count} manifests`,
    unit: 'ms',
    baselineLabel: 'readdir + readFile + JSON.parse, all at once',
    target: `≤ ${SCAN_TARGET_MS} ms`,
    meets: (ms) => ms <= SCAN_TARGET_MS,
  };
  return toFigure(spec, ms.host, ms.raw, judge);
}
