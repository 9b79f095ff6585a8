import { isAbsolute, relative } from 'node:path';

/** Whether `path` is `folder` itself or lies beneath it (both absolute, resolved). */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
