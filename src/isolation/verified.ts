import { basename, dirname, extname } from 'node:path';
import { type BuildResult, build, type Loader, type Message } from 'esbuild';
import { PluginError } from '../errors.js';

const LOADERS: Record<string, Loader> = {
  js: 'js',
  mjs: 'js',
  cjs: 'js',
  jsx: 'jsx',
  ts: 'ts',
  mts: 'ts',
  cts: 'ts',
  tsx: 'tsx',
};

/** The entry as CommonJS, and whether it was written as an ES module. */
export interface VerifiedCode {
  readonly code: string;
  readonly esm: boolean;
}

/**
 * Turns an entry's verified bytes into CommonJS that a worker or child runs as a function
 * (`vm.compileFunction`): Node 20 cannot import an ES module from memory, and importing the
 * file again would run whatever it holds by then. Only the entry is turned: what it imports is
 * required from disk by Node, as usual.
 */
export async function transformVerified(
  entry: string,
  source: Uint8Array,
  subject: { readonly name: string; readonly version: string },
): Promise<VerifiedCode> {
  let result: BuildResult<{ write: false; metafile: true }>;
  try {
    result = await build({
      stdin: {
        contents: Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString('utf8'),
        sourcefile: basename(entry),
        resolveDir: dirname(entry),
        loader: LOADERS[extname(entry).slice(1)] ?? 'js',
      },
      bundle: false,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      metafile: true,
      logLevel: 'silent',
      define: { 'import.meta': '__plugboard_meta' },
      // `import()` becomes `require()`: the function has no module loader of its own.
      supported: { 'dynamic-import': false },
    });
  } catch (error) {
    const messages = (error as { errors?: Message[] }).errors ?? [];
    const text = messages.map((message) => message.text).join('; ');
    const fail = (code: 'INTEGRITY_UNVERIFIABLE' | 'ENTRY_IMPORT_FAILED', message: string) =>
      new PluginError(code, message, { plugin: subject.name, version: subject.version, path: entry, cause: error });
    if (/top-level await/i.test(text)) {
      throw fail(
        'INTEGRITY_UNVERIFIABLE',
        `its entry uses top-level await, so it cannot run from the bytes that were verified`,
      );
    }
    throw fail('ENTRY_IMPORT_FAILED', `its entry does not compile: ${text || String(error)}`);
  }
  const code = result.outputFiles[0]?.text ?? '';
  return { code, esm: Object.values(result.metafile.inputs)[0]?.format === 'esm' };
}
