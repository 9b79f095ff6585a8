// `plugboard dev <dir>`: a host over a plugin folder in watch mode that prints what happens to
// each plugin, with timings: the plugin author's inner loop.
import { resolve } from 'node:path';
import {
  type AnyContract,
  createHost,
  type Disposer,
  type Host,
  isPluginError,
  type Logger,
  type PluginError,
  type PluginRef,
} from '../index.js';
import { contractsFrom, derivedContracts } from './dev-contracts.js';
import { createPrinter, type Print } from './dev-output.js';
import { parseDebounce, parseIsolation, UsageError } from './usage.js';

export interface DevOptions {
  readonly contracts?: string;
  readonly isolation?: string;
  readonly debounce?: string;
  readonly json?: boolean;
}

/** Exit codes: 0 after SIGINT or SIGTERM, 1 when watching fails, 2 for bad input. */
export async function dev(dir: string, options: DevOptions): Promise<number> {
  const json = options.json === true;
  const print = createPrinter(json, (line) => process.stdout.write(`${line}\n`));
  let host: DevHost | undefined;
  try {
    const isolation = parseIsolation(options.isolation ?? 'inline');
    const debounceMs = options.debounce === undefined ? undefined : parseDebounce(options.debounce);
    const root = resolve(dir);
    const contracts = options.contracts === undefined ? derivedContracts(root) : await contractsFrom(options.contracts);
    // Always an isolating host, so that a plugin whose manifest asks for a worker or a process gets one.
    host = createHost({ contracts: contracts.list, isolation, logger: errorsTo(print) });
    const unfollow = follow(host, print);
    const started = performance.now();
    const watcher = host.watch(root, debounceMs === undefined ? {} : { debounceMs });
    print({
      event: 'watching',
      path: root,
      isolation,
      contracts: contracts.list.map(({ id, version }) => ({ id, version })),
      contractsFrom: contracts.from,
    });
    let stopping = false;
    const outcome = await new Promise<number>((done) => {
      const ignore = onSignal(() => done(0));
      watcher.ready.then(
        (report) => {
          if (stopping) return;
          const ms = performance.now() - started;
          print({ event: 'ready', loaded: report.loaded.length, failed: report.failed.length, ms });
        },
        (error: unknown) => {
          ignore();
          problem(json, isPluginError(error) ? error.code : 'WATCH_FAILED', describe(error));
          done(1);
        },
      );
    });
    // Closing stops every plugin: that is not news to print.
    stopping = true;
    for (const dispose of unfollow) dispose();
    await host.close();
    return outcome;
  } catch (error) {
    if (!(error instanceof UsageError) && !isPluginError(error)) throw error;
    problem(json, error.code, error.message);
    await host?.close();
    return 2;
  }
}

type DevHost = Host<readonly AnyContract[], true>;

// The host's own warnings repeat what the events say; its errors (a watcher that broke, a
// plugin not restarted again, a plugin's ctx.logger.error) are worth a line.
function errorsTo(print: Print): Logger {
  const ignore = () => {};
  return {
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (message, fields) => print({ event: 'error', message, fields }),
  };
}

function problem(json: boolean, code: string, message: string): void {
  process.stderr.write(
    json ? `${JSON.stringify({ event: 'problem', code, message })}\n` : `plugboard dev: ${code} ${message}\n`,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Calls `stop` on the first SIGINT or SIGTERM; a second one ends the process at once, as it would have. */
function onSignal(stop: () => void): () => void {
  const once = () => {
    ignore();
    stop();
  };
  const ignore = () => {
    process.off('SIGINT', once);
    process.off('SIGTERM', once);
  };
  process.on('SIGINT', once);
  process.on('SIGTERM', once);
  return ignore;
}

/**
 * Turns the host's events into printed ones. The transitions a reload makes (`reload: true`)
 * are the reload's business: only its outcome is printed.
 */
function follow(host: DevHost, print: Print): Disposer[] {
  const since = new Map<string, number>();
  const reloading = new Map<string, number>();
  const restarting = new Set<string>();
  const elapsed = (name: string): number | undefined => {
    const start = since.get(name);
    since.delete(name);
    return start === undefined ? undefined : performance.now() - start;
  };
  const subject = (plugin: PluginRef) => ({ name: plugin.name, version: plugin.version, path: plugin.path });
  const summary = (error: PluginError) => ({ code: error.code, message: error.message });
  return [
    host.on('transition', ({ plugin, from, to, error, reload }) => {
      if (reload) return;
      if (to === 'starting' || to === 'stopping') since.set(plugin.name, performance.now());
      else if (to === 'active') {
        const event = restarting.delete(plugin.name) ? 'restarted' : 'loaded';
        print({ event, ...subject(plugin), ms: elapsed(plugin.name) });
      } else if (to === 'failed' && error !== undefined) {
        const ms = from === 'starting' || from === 'stopping' ? elapsed(plugin.name) : undefined;
        print({ event: 'failed', ...subject(plugin), ms, error: summary(error) });
      }
    }),
    host.on('reloading', ({ plugin }) => {
      reloading.set(plugin.name, performance.now());
    }),
    host.on('reloaded', (report) => {
      reloading.delete(report.name);
      print({
        event: 'reloaded',
        ...subject(report.next),
        from: report.previous.version,
        ms: report.durationMs,
        stateHandedOver: report.stateHandedOver,
        abandonedCalls: report.abandonedCalls,
      });
    }),
    host.on('reload-failed', ({ plugin, attempted, error }) => {
      const start = reloading.get(plugin.name);
      reloading.delete(plugin.name);
      const ms = start === undefined ? undefined : performance.now() - start;
      print({ event: 'reload-failed', ...subject(plugin), attempted: attempted?.version, ms, error: summary(error) });
    }),
    host.on('restarting', ({ plugin, attempt, delayMs, error }) => {
      restarting.add(plugin.name);
      print({ event: 'restarting', ...subject(plugin), attempt, delayMs, error: summary(error) });
    }),
    host.on('unloaded', ({ plugin }) => {
      print({ event: 'unloaded', ...subject(plugin), ms: elapsed(plugin.name) });
    }),
  ];
}
