// Checks that imports between src/ folders point one way, as docs/architecture.md lays out
// in its ```layers block. Run: npx tsx scripts/check-layers.ts
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

interface Layer {
  readonly rank: number;
  readonly tags: ReadonlySet<string>;
}

export function readLayers(markdown: string): Map<string, Layer> {
  const block = /```layers\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (block === undefined) throw new Error('docs/architecture.md has no ```layers block');
  const layers = new Map<string, Layer>();
  block
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .forEach((line, rank) => {
      const tags = new Set([...line.matchAll(/\[(\w+)\]/g)].map((match) => match[1] as string));
      for (const unit of line
        .replace(/\[\w+\]/g, '')
        .split(/\s+/)
        .filter(Boolean))
        layers.set(unit, { rank, tags });
    });
  return layers;
}

/** The unit a source file belongs to: its top folder under src/, or the file itself. */
function unitOf(src: string, file: string): string {
  const rel = relative(src, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : rel;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

export function checkLayers(src: string, layers: Map<string, Layer>): string[] {
  const problems: string[] = [];
  for (const file of sourceFiles(src)) {
    const unit = unitOf(src, file);
    const layer = layers.get(unit);
    const where = relative(dirname(src), file);
    if (layer === undefined) {
      problems.push(`${where}: \`${unit}\` is not in the layers of docs/architecture.md`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const specifier = match[1] as string;
      if (layer.tags.has('pure') && specifier.startsWith('node:')) {
        problems.push(`${where}: the ${unit} layer is pure, but imports ${specifier}`);
      }
      if (!specifier.startsWith('.')) continue;
      const target = unitOf(src, resolve(dirname(file), specifier).replace(/\.js$/, '.ts'));
      if (target === unit) continue;
      const targetLayer = layers.get(target);
      if (layer.tags.has('public') && target !== 'index.ts') {
        problems.push(`${where}: ${unit} uses only the public API (src/index.ts), but imports ${specifier}`);
      } else if (targetLayer === undefined || targetLayer.rank >= layer.rank) {
        problems.push(`${where}: ${unit} may not import ${target} (${specifier}); imports point down the layers`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = checkLayers(join(root, 'src'), readLayers(readFileSync(join(root, 'docs/architecture.md'), 'utf8')));
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
  console.log('layers: every import points down');
}
