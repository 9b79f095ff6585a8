// Writes schema/plugin.schema.json from the manifest's zod schema, so that editors validate
// plugin.json with the same rules the host applies. Run: npm run schema
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { manifestSchema } from '../src/manifest/schema.js';

export function manifestJsonSchema(): string {
  const schema = z.toJSONSchema(manifestSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: 'https://plugboard.dev/plugin.schema.json' }, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = join(resolve(import.meta.dirname, '..'), 'schema', 'plugin.schema.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, manifestJsonSchema());
  console.log(`wrote ${out}`);
}
