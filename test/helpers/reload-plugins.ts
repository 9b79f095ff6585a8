import { mkdirSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { PluginErrorCode } from 'plugboard';

/** The ways a new version of a plugin can be broken, each failing its load with its own code. */
export type Breakage = 'syntax-error' | 'setup-throws' | 'setup-hangs' | 'method-missing' | 'meta-wrong';

export const BREAKAGES: readonly [breakage: Breakage, code: PluginErrorCode][] = [
  ['syntax-error', 'ENTRY_IMPORT_FAILED'],
  ['setup-throws', 'SETUP_FAILED'],
  ['setup-hangs', 'SETUP_TIMEOUT'],
  ['method-missing', 'METHOD_MISSING'],
  ['meta-wrong', 'META_INVALID'],
];

export interface GreeterVersion {
  /** The manifest version. */
  readonly version: string;
  /** The manifest name; the folder's name by default. */
  readonly name?: string;
  /** What the answers start with, so that a test can tell versions apart; `v<version>` by default. */
  readonly marker?: string;
  readonly broken?: Breakage;
  readonly requires?: Record<string, string>;
  /** Source at the top of the module, for variables the plugin keeps across calls. */
  readonly prelude?: string;
  /** Source run first in setup; `ctx` is in scope. */
  readonly setup?: string;
  /** Source of the greet function; `ctx` and `marker` are in scope. By default `marker:who`. */
  readonly greet?: string;
  /** Source of the greetLater function; by default an async `marker:later:who`. */
  readonly greetLater?: string;
  /** More members of the plugin object, such as `exportState() { ... },`. */
  readonly members?: string;
}

/**
 * Writes one version of a test.greeter plugin into `folder` (created if needed), replacing the
 * version there: the files a reload then reads.
 */
export function writeGreeterVersion(folder: string, options: GreeterVersion): string {
  const marker = options.marker ?? `v${options.version}`;
  const manifest = {
    name: options.name ?? basename(folder),
    version: options.version,
    main: 'index.js',
    provides: { 'test.greeter': '^1.0.0' },
    ...(options.requires === undefined ? {} : { requires: options.requires }),
  };
  mkdirSync(folder, { recursive: true });
  writeFileSync(`${folder}/plugin.json`, JSON.stringify(manifest, null, 2));
  writeFileSync(`${folder}/index.js`, source(marker, options));
  return folder;
}

/** A greeter that counts its greetings, with state hooks (these by default). */
export function counting(version: string, hooks: { exportState?: string; importState?: string } = {}): GreeterVersion {
  return {
    version,
    prelude: 'let count = 0;',
    greet: "(who) => marker + ':' + who + ':' + ++count",
    members: [
      `exportState: ${hooks.exportState ?? '() => ({ count })'},`,
      `importState: ${hooks.importState ?? '(state) => { count = state.count; }'},`,
    ].join('\n'),
  };
}

/** A greeter whose greetLater answers only once the file `ctx.config.gate` exists. */
export function gated(version: string): GreeterVersion {
  return {
    version,
    prelude: "import { existsSync } from 'node:fs';",
    greetLater:
      "async (who) => { while (!existsSync(ctx.config.gate)) await new Promise((done) => setTimeout(done, 5)); return marker + ':later:' + who; }",
  };
}

function source(marker: string, options: GreeterVersion): string {
  const greet = options.greet ?? "(who) => marker + ':' + who";
  const greetLater = options.greetLater ?? "async (who) => marker + ':later:' + who";
  const broken = options.broken;
  if (broken === 'syntax-error') return `export default {{ ${JSON.stringify(marker)}\n`;
  const methods = [
    `language: ${broken === 'meta-wrong' ? 42 : "'en'"},`,
    `greet: ${greet},`,
    broken === 'method-missing' ? '' : `greetLater: ${greetLater},`,
  ].join('\n        ');
  const setup =
    broken === 'setup-throws'
      ? `throw new Error(${JSON.stringify(`${marker} breaks in setup`)});`
      : broken === 'setup-hangs'
        ? 'await new Promise(() => {});'
        : '';
  return `const marker = ${JSON.stringify(marker)};
${options.prelude ?? ''}

export default {
  async setup(ctx) {
    ${options.setup ?? ''}
    ${setup}
    return {
      'test.greeter': {
        ${methods}
      },
    };
  },
  ${options.members ?? ''}
};
`;
}
