// memory: RSS and heap growth per loaded inline plugin, host against raw import(), each in a fresh process.
import { toFigure } from './figure.js';
import { generatePlugins, tempFolder } from './generate.js';
import { pairedRounds, probe, type Side } from './probe.js';

export interface MemoryCase {
  readonly count: number;
  readonly rounds: number;
}

interface Reading {
  readonly rss: number;
  readonly heapUsed: number;
}

interface MemoryProbe {
  readonly loaded: number;
  readonly before: Reading;
  readonly after: Reading;
}

/** What Go's plugin.Open costs per plugin: a reference, not a target. */
const GO_PLUGIN_OPEN = 'Go plugin.Open: 888 KiB';

export async function measureMemory(memory: MemoryCase) {
  await using folder = await tempFolder('repo');
  await generatePlugins(folder.path, memory.count, 'plain');
  const growth = await pairedRounds(memory.rounds, async (side) => {
    const { loaded, before, after } = await probe<MemoryProbe>(
      'load.mjs',
      [side, folder.path, '--memory'],
      ['--expose-gc'],
    );
    if (loaded !== memory.count) throw new Error(`${side} loaded ${loaded} of ${memory.count} plugins`);
    const perPlugin = (field: keyof Reading) => (after[field] - before[field]) / 1024 / memory.count;
    return { rss: perPlugin('rss'), heap: perPlugin('heapUsed') };
  });
  const pick = (side: Side, field: 'rss' | 'heap') => growth[side].map((reading) => reading[field]);
  const common = { unit: 'KiB', baselineLabel: 'raw import()', target: GO_PLUGIN_OPEN };
  return [
    toFigure(
      { ...common, id: 'memory-rss', label: `RSS per plugin (${memory.count} loaded)` },
      pick('host', 'rss'),
      pick('raw', 'rss'),
      false,
    ),
    toFigure(
      { ...common, id: 'memory-heap', label: `heapUsed per plugin (${memory.count} loaded)` },
      pick('host', 'heap'),
      pick('raw', 'heap'),
      false,
    ),
  ];
}
