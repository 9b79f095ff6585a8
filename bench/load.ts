// load: plugboard's loadDirectory() against raw import() of the same entries, each in a fresh process.
import { type FigureSpec, toFigure } from './figure.js';
import { generatePlugins, type Place, type PluginStyle, tempFolder } from './generate.js';
import { pairedRounds, probe } from './probe.js';

export interface LoadCase {
  readonly id: string;
  readonly count: number;
  /** `outside` puts plugins that import plugboard in os.tmpdir(), so plugboard registers its resolve hook. */
  readonly place: Place;
  readonly rounds: number;
  readonly target: Pick<FigureSpec, 'target' | 'meets'>;
}

interface LoadProbe {
  readonly ms: number;
  readonly loaded: number;
}

export async function measureLoad(load: LoadCase, judge: boolean) {
  const style: PluginStyle = load.place === 'outside' ? 'definePlugin' : 'plain';
  await using folder = await tempFolder(load.place);
  await generatePlugins(folder.path, load.count, style);
  // Plugins outside the project cannot import plugboard without a hook; the raw side registers a minimal one.
  const rawMode = load.place === 'outside' ? 'raw-hook' : 'raw';
  const ms = await pairedRounds(load.rounds, async (side) => {
    const result = await probe<LoadProbe>('load.mjs', [side === 'host' ? 'host' : rawMode, folder.path]);
    if (result.loaded !== load.count) throw new Error(`${side} loaded ${result.loaded} of ${load.count} plugins`);
    return result.ms;
  });
  const where = load.place === 'outside' ? ', importing plugboard from os.tmpdir() (resolve hook)' : '';
  const spec: FigureSpec = {
    id: load.id,
    label: `load ${load.count} plugins${where}`,
    unit: 'ms',
    baselineLabel: rawMode === 'raw' ? 'raw import()' : 'raw import() + minimal hook',
    ...load.target,
  };
  return toFigure(spec, ms.host, ms.raw, judge);
}
