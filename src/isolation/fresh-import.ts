import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { type BuildOptions, type BuildResult, build, type Loader, type Message, type Plugin } from 'esbuild';
import { PluginError } from '../errors.js';
import { hostModule } from './resolver.js';

// Node keeps every ES module it has evaluated until the process ends, and importing the same
// path again returns the first evaluation: a reloaded inline plugin would silently keep its old
// code. So an entry is imported as an ES module once; every later start of it evaluates a
// CommonJS bundle of the plugin (its own files and packages, esbuild) compiled as a plain
// function. Nothing registers that function anywhere, so it is freed with the plugin.
// Only when a plugin cannot be bundled (top-level await, a native addon) is it imported again
// under a new query string, which Node never frees: those imports are counted.

const imported = new Set<string>();
let reimports = 0;

/**
 * Evaluates a plugin's entry: the first time as Node imports it, later as fresh code.
 * `onRetained` is called when Node will keep this evaluation for good, even if it throws.
 */
export async function importEntry(entry: string, onRetained: () => void, verified?: Uint8Array): Promise<unknown> {
  if (verified !== undefined) return importVerified(entry, verified);
  const url = pathToFileURL(entry).href;
  if (!imported.has(entry)) {
    imported.add(entry);
    return import(url);
  }
  const bundled = await bundle(entry);
  if (bundled !== undefined) return evaluate(entry, bundled.code, bundled.esm);
  onRetained();
  return import(`${url}?reload=${++reimports}`);
}

/**
 * Evaluates an entry from the bytes that were checked against its `integrity`, first start
 * included: importing the file would read it again, and run whatever it holds by then. The rest
 * of the plugin is bundled from disk with it.
 */
async function importVerified(entry: string, source: Uint8Array): Promise<unknown> {
  const contents = Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString('utf8');
  const bundled = await bundle(entry, false, contents);
  if (bundled === undefined) {
    throw new PluginError(
      'INTEGRITY_UNVERIFIABLE',
      `the entry ${entry} cannot be run from the bytes that were verified (top-level await, or a native addon)`,
      { path: entry },
    );
  }
  return evaluate(entry, bundled.code, bundled.esm);
}

/** Starts esbuild's service ahead of the first reload, which would otherwise pay for it. */
export async function warmFreshImport(): Promise<void> {
  await build({ stdin: { contents: '' }, write: false, logLevel: 'silent' });
}

// Each file of the bundle keeps what Node would give it as a module of its own: `import.meta`
// (url, filename, dirname, resolve) in an ES module, `__dirname` and `__filename` in a CommonJS
// one. esbuild renames each file's declaration apart, and `define` binds to the one in scope.
// A plugin callback costs a round trip to esbuild per file, so a bundle of one file, or one that
// uses none of these, is made without it: the entry's own values are handed in.
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
const OWN_LOCATION = /__dirname|__filename/;
const DECLARES_LOCATION = /\b(?:const|let|class|function)\s+__(?:dirname|filename)\b/;
const perFile: Plugin = {
  name: 'plugboard-per-file',
  setup(builder) {
    builder.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const meta = source.includes('import.meta');
      const location = OWN_LOCATION.test(source) && !DECLARES_LOCATION.test(source);
      if (!meta && !location) return undefined;
      const file = JSON.stringify(args.path);
      const dir = JSON.stringify(dirname(args.path));
      const prelude = [
        meta
          ? `var __plugboard_meta = { url: ${JSON.stringify(pathToFileURL(args.path).href)}, filename: ${file}, dirname: ${dir}, ` +
            `resolve: (specifier) => require('node:url').pathToFileURL(require('node:module').createRequire(${file}).resolve(specifier)).href };`
          : '',
        location ? `var __dirname = ${dir}, __filename = ${file};` : '',
      ].join('');
      return { contents: prelude + source, loader: LOADERS[extname(args.path).slice(1)] ?? 'js' };
    });
  },
};

// What esbuild cannot express as CommonJS although Node runs it: such plugins are imported again.
const NOT_BUNDLEABLE = /not supported with the "cjs" output format|No loader is configured/;
const USES_LOCATION = /__plugboard_meta|__dirname|__filename/;

/** The bundle, or undefined when the plugin can only run as an ES module; throws the plugin's own syntax errors. */
async function bundle(
  entry: string,
  perFileLocations = false,
  contents?: string,
): Promise<{ code: string; esm: boolean } | undefined> {
  let result: BuildResult<{ write: false; metafile: true }>;
  // The entry's verified bytes, when there are some, rather than the file as it is now.
  const input: BuildOptions =
    contents === undefined
      ? { entryPoints: [entry] }
      : {
          stdin: {
            contents,
            sourcefile: basename(entry),
            resolveDir: dirname(entry),
            loader: LOADERS[extname(entry).slice(1)] ?? 'js',
          },
        };
  try {
    result = await build({
      ...input,
      absWorkingDir: dirname(entry),
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      metafile: true,
      logLevel: 'silent',
      // `import 'plugboard'` stays a require(), answered with the host's own module (evaluate()).
      external: ['plugboard'],
      plugins: perFileLocations ? [perFile] : [],
      define: { 'import.meta': '__plugboard_meta' },
      // `import()` becomes `require()`: the bundle needs no module loader of its own.
      supported: { 'dynamic-import': false },
    });
  } catch (error) {
    const messages = (error as { errors?: Message[] }).errors ?? [];
    if (messages.length === 0 || messages.some((message) => NOT_BUNDLEABLE.test(message.text))) return undefined;
    throw new SyntaxError(messages.map((message) => describe(entry, message)).join('\n'));
  }
  const code = result.outputFiles[0]?.text;
  if (code === undefined) return undefined;
  if (!perFileLocations && Object.keys(result.metafile.inputs).length > 1 && USES_LOCATION.test(code)) {
    return bundle(entry, true, contents);
  }
  const own = result.metafile.inputs[contents === undefined ? basename(entry) : '<stdin>'];
  return { code, esm: own?.format === 'esm' };
}

function describe(entry: string, message: Message): string {
  const at = message.location;
  return at === null ? message.text : `${join(dirname(entry), at.file)}:${at.line}:${at.column + 1}: ${message.text}`;
}

// `import 'plugboard'` is the host's own module, so that a plugin's PluginError is the host's
// class, exactly as for a plugin imported as an ES module.
async function evaluate(entry: string, code: string, esm: boolean): Promise<unknown> {
  const run = vm.compileFunction(
    code,
    ['exports', 'require', 'module', '__filename', '__dirname', '__plugboard_meta'],
    {
      filename: entry,
    },
  );
  const host = await hostModule();
  const required = createRequire(entry);
  const require = Object.assign((id: string) => (id === 'plugboard' ? host : required(id)), required);
  const meta = {
    url: pathToFileURL(entry).href,
    filename: entry,
    dirname: dirname(entry),
    resolve: (specifier: string) => pathToFileURL(required.resolve(specifier)).href,
  };
  const module = { exports: {} as Record<string, unknown> };
  run(module.exports, require, module, entry, dirname(entry), meta);
  // As `import()` would see it: an ES module's exports, or a CommonJS module's as its default.
  return esm ? module.exports : { default: module.exports };
}
