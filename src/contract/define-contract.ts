import semver from 'semver';
import { formatIssue, type Issue, PluginError } from '../errors.js';
import { isStandardSchema, type StandardSchemaV1 } from './standard-schema.js';

type ArgsSchema = StandardSchemaV1<readonly unknown[], readonly unknown[]>;
type MetaSchema = StandardSchemaV1<Record<string, unknown>, Record<string, unknown>>;

/** One method of a contract: the schema of its argument list, of its result, and whether it is async. */
export interface MethodSpec<Args extends ArgsSchema = ArgsSchema, Result extends StandardSchemaV1 = StandardSchemaV1> {
  /** A schema for the whole argument list, such as `z.tuple([z.number(), z.number()])`. */
  readonly args: Args;
  readonly result: Result;
  /** Async methods always return a Promise to the caller and run under the per-call timeout. */
  readonly async?: boolean;
  readonly description?: string;
}

export interface ContractSpec<
  Id extends string,
  Methods extends Record<string, MethodSpec>,
  Meta extends MetaSchema | undefined,
> {
  /** Lower-case dotted id, such as `calc.operation`. */
  readonly id: Id;
  /** The semver version of the contract; plugins declare the range they implement. */
  readonly version: string;
  readonly methods: Methods;
  /** Schema of the static fields an implementation carries beside its methods. */
  readonly meta?: Meta;
  readonly description?: string;
}

export interface Contract<
  Id extends string = string,
  Methods extends Record<string, MethodSpec> = Record<string, MethodSpec>,
  Meta extends MetaSchema | undefined = MetaSchema | undefined,
> {
  readonly id: Id;
  readonly version: string;
  readonly methods: Methods;
  readonly meta: Meta;
  readonly description: string | undefined;
}

export type AnyContract = Contract<string, Record<string, MethodSpec>, MetaSchema | undefined>;

type Input<S extends StandardSchemaV1> = StandardSchemaV1.InferInput<S>;
type Output<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;
type ArgList<T> = T extends readonly unknown[] ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] };

type MetaOf<C extends AnyContract, Side extends 'input' | 'output'> = C['meta'] extends MetaSchema
  ? Side extends 'input'
    ? Input<C['meta']>
    : Output<C['meta']>
  : Record<never, never>;

/** A method as the host's caller sees it: arguments before validation, result after. */
export type CallerMethod<S extends MethodSpec> = (
  ...args: ArgList<Input<S['args']>>
) => S['async'] extends true ? Promise<Output<S['result']>> : Output<S['result']>;

/** A method as the plugin implements it: arguments after validation, result before. */
export type ImplementationMethod<S extends MethodSpec> = (
  ...args: ArgList<Output<S['args']>>
) => S['async'] extends true ? Input<S['result']> | Promise<Input<S['result']>> : Input<S['result']>;

/** What `host.get(contract)` returns: the contract's metadata and methods, typed. */
export type Api<C extends AnyContract> = Simplify<
  Readonly<MetaOf<C, 'output'>> & { readonly [K in keyof C['methods']]: CallerMethod<C['methods'][K]> }
>;

/** A method of a handle on a host that isolates plugins: always a Promise. */
export type AsyncCallerMethod<S extends MethodSpec> = (
  ...args: ArgList<Input<S['args']>>
) => Promise<Output<S['result']>>;

/** What `host.get(contract)` returns on a host created with `isolation`: every method returns a Promise. */
export type AsyncApi<C extends AnyContract> = Simplify<
  Readonly<MetaOf<C, 'output'>> & { readonly [K in keyof C['methods']]: AsyncCallerMethod<C['methods'][K]> }
>;

/** What a plugin's `setup()` returns for this contract. */
export type Implementation<C extends AnyContract> = Simplify<
  MetaOf<C, 'input'> & { -readonly [K in keyof C['methods']]: ImplementationMethod<C['methods'][K]> }
>;

const CONTRACT_ID = /^[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)*$/;

/**
 * Declares an extension point. Every type the host and plugin authors see is inferred from it.
 * Throws `CONTRACT_DEFINITION_INVALID` listing every problem at once.
 */
export function defineContract<
  const Id extends string,
  const Methods extends Record<string, MethodSpec>,
  Meta extends MetaSchema | undefined = undefined,
>(spec: ContractSpec<Id, Methods, Meta>): Contract<Id, Methods, Meta> {
  const issues = checkContractSpec(spec);
  if (issues.length > 0) {
    const subject = typeof spec?.id === 'string' ? `contract ${spec.id}` : 'contract';
    throw new PluginError(
      'CONTRACT_DEFINITION_INVALID',
      `${subject} is invalid: ${issues.map(formatIssue).join('; ')}`,
      {
        contract: typeof spec?.id === 'string' ? spec.id : undefined,
        issues,
      },
    );
  }
  return Object.freeze({
    id: spec.id,
    version: spec.version,
    methods: Object.freeze({ ...spec.methods }),
    meta: spec.meta as Meta,
    description: spec.description,
  });
}

function checkContractSpec(spec: unknown): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ code: 'CONTRACT_DEFINITION_INVALID', path, message });
  if (typeof spec !== 'object' || spec === null) {
    add('', 'expected an object');
    return issues;
  }
  const { id, version, methods, meta } = spec as Record<string, unknown>;
  if (typeof id !== 'string' || !CONTRACT_ID.test(id))
    add('id', `expected a lower-case dotted id like \`calc.operation\`, got ${show(id)}`);
  if (typeof version !== 'string' || semver.valid(version) === null)
    add('version', `expected a semver version, got ${show(version)}`);
  if (meta !== undefined && !isStandardSchema(meta))
    add('meta', 'expected a Standard Schema (zod, valibot, arktype...)');
  if (typeof methods !== 'object' || methods === null) {
    add('methods', `expected an object of methods, got ${show(methods)}`);
    return issues;
  }
  for (const [name, method] of Object.entries(methods)) {
    if (typeof method !== 'object' || method === null) {
      add(`methods.${name}`, 'expected { args, result }');
      continue;
    }
    const { args, result, async } = method as Record<string, unknown>;
    if (!isStandardSchema(args)) add(`methods.${name}.args`, 'expected a Standard Schema of the argument list');
    if (!isStandardSchema(result)) add(`methods.${name}.result`, 'expected a Standard Schema of the result');
    if (async !== undefined && typeof async !== 'boolean')
      add(`methods.${name}.async`, `expected a boolean, got ${show(async)}`);
  }
  return issues;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `\`${value}\`` : String(value);
}
