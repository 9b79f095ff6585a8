import semver from 'semver';
import { z } from 'zod';

// The manifest's shape, in one place: parsing and the published JSON Schema both come from it.

export const ISOLATION_MODES = ['inline', 'worker', 'process'] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

// semver.org's recommended pattern, without a leading `v`.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
// npm's package-name rules: lower case, url-safe, optionally scoped.
const NPM_NAME = /^(?:@[a-z0-9-*~][a-z0-9-*._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const INTEGRITY = /^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$/;

const expected = (what: string) => ({ error: `expected ${what}` });

const version = z
  .string(expected('a semver version'))
  .refine((value) => SEMVER.test(value), {
    ...expected('a semver version'),
    params: { code: 'MANIFEST_VERSION_INVALID' },
  })
  .meta({ pattern: SEMVER.source, description: 'A semver version such as 1.2.0.' });

const range = z
  .string(expected('a semver range'))
  .refine((value) => semver.validRange(value) !== null, {
    ...expected('a semver range'),
    params: { code: 'MANIFEST_RANGE_INVALID' },
  })
  .meta({ description: 'A semver range such as ^1.0.0.' });

const name = z
  .string(expected('an npm-style package name'))
  .max(214, expected('an npm-style package name of at most 214 characters'))
  .regex(NPM_NAME, expected('an npm-style package name (lower case, url-safe, optionally @scope/)'));

const relativePath = z.string(expected('a relative path')).min(1, expected('a non-empty relative path'));

const person = z.union(
  [z.string(), z.object({ name: z.string(), email: z.string().optional(), url: z.string().optional() })],
  {
    error: 'expected a name or { name, email, url }',
  },
);

const permissions = z.strictObject(
  {
    fsRead: z.array(relativePath, expected('a list of paths')).optional(),
    fsWrite: z.array(relativePath, expected('a list of paths')).optional(),
    childProcess: z.boolean(expected('a boolean')).optional(),
    worker: z.boolean(expected('a boolean')).optional(),
    addons: z.boolean(expected('a boolean')).optional(),
  },
  expected('an object of permissions'),
);

export const manifestSchema = z
  .strictObject(
    {
      $schema: z.string().optional(),
      name: name.meta({ description: 'The plugin name, npm style; unique within a host.' }),
      version: version,
      main: relativePath.meta({ description: 'The entry module, relative to the plugin folder.' }),
      provides: z
        .record(z.string(), range, expected('an object of contract id → semver range'))
        .meta({ description: 'The contracts this plugin implements, each with the range of versions it supports.' }),
      description: z.string(expected('a string')).optional(),
      author: person.optional(),
      license: z.string(expected('an SPDX license id')).optional(),
      engines: z
        .object({ plugboard: range.optional() }, expected('an object such as { "plugboard": "^1.0.0" }'))
        .optional()
        .meta({ description: 'engines.plugboard: the range of host versions this plugin works with.' }),
      requires: z
        .record(z.string(), range, expected('an object of contract id or plugin name → semver range'))
        .optional()
        .meta({ description: 'Contracts (by id) or plugins (by name) that must be active before this one starts.' }),
      isolation: z.enum(ISOLATION_MODES, expected('one of inline, worker, process')).optional(),
      permissions: permissions.optional(),
      integrity: z
        .string(expected('a subresource-integrity hash'))
        .regex(INTEGRITY, expected('a subresource-integrity hash such as sha256-<base64>'))
        .optional()
        .meta({ description: 'A hash of the entry file, checked before it is imported.' }),
    },
    expected('a manifest object'),
  )
  .meta({ title: 'plugboard plugin manifest' });

export type Manifest = z.output<typeof manifestSchema>;
