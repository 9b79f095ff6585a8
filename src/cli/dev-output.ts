// What `plugboard dev` prints: one line per event, as text for people or JSON for tools (docs/cli.md).
import type { IsolationMode } from '../index.js';

interface ErrorSummary {
  readonly code: string;
  readonly message: string;
}

interface Subject {
  readonly name: string;
  readonly version?: string | undefined;
  readonly path: string;
}

/** Every line `plugboard dev` prints; `ms` is absent when the step had no timed part. */
export type DevEvent =
  | {
      readonly event: 'watching';
      readonly path: string;
      readonly isolation: IsolationMode;
      readonly contracts: readonly { readonly id: string; readonly version: string }[];
      /** The contracts module's path, or `manifests` when they were derived from the plugins' `provides`. */
      readonly contractsFrom: string;
    }
  | { readonly event: 'ready'; readonly loaded: number; readonly failed: number; readonly ms: number }
  | (Subject & { readonly event: 'loaded' | 'restarted'; readonly ms?: number | undefined })
  | (Subject & { readonly event: 'failed'; readonly ms?: number | undefined; readonly error: ErrorSummary })
  | (Subject & {
      readonly event: 'reloaded';
      readonly from: string | undefined;
      readonly ms: number;
      readonly stateHandedOver: boolean;
      readonly abandonedCalls: number;
    })
  | (Subject & {
      readonly event: 'reload-failed';
      /** The version of the new files, when their manifest could be read. */
      readonly attempted: string | undefined;
      readonly ms?: number | undefined;
      readonly error: ErrorSummary;
    })
  | (Subject & {
      readonly event: 'restarting';
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: ErrorSummary;
    })
  | (Subject & { readonly event: 'unloaded'; readonly ms?: number | undefined })
  | { readonly event: 'error'; readonly message: string; readonly fields?: Record<string, unknown> | undefined };

export type Print = (event: DevEvent) => void;

export function createPrinter(json: boolean, write: (line: string) => void): Print {
  return json
    ? (event) => write(JSON.stringify(event, (key, value) => jsonValue(key, value)))
    : (event) => {
        for (const line of textLines(event)) write(line);
      };
}

function jsonValue(key: string, value: unknown): unknown {
  if ((key === 'ms' || key === 'delayMs') && typeof value === 'number') return Math.round(value * 100) / 100;
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

function textLines(event: DevEvent): string[] {
  switch (event.event) {
    case 'watching': {
      const ids = event.contracts.map((contract) => `${contract.id}@${contract.version}`).join(', ') || '(none)';
      const source =
        event.contractsFrom === 'manifests'
          ? "derived from the manifests' provides: methods and metadata are not checked (pass --contracts <module> to check them)"
          : `from ${event.contractsFrom}`;
      return [`watching ${event.path} (isolation ${event.isolation})`, `contracts ${ids} ${source}`];
    }
    case 'ready':
      return [`ready ${event.loaded} loaded, ${event.failed} failed (${duration(event.ms)})`];
    case 'loaded':
    case 'restarted':
      return [`${event.event} ${label(event)}${timing(event.ms)}`];
    case 'failed':
      return [`failed ${label(event)}${timing(event.ms)}: ${summary(event.error, event.name)}`];
    case 'reloaded': {
      const details = [
        duration(event.ms),
        ...(event.stateHandedOver ? ['state handed over'] : []),
        ...(event.abandonedCalls > 0 ? [`${event.abandonedCalls} calls abandoned`] : []),
      ];
      return [`reloaded ${event.name} ${event.from ?? '?'} → ${event.version ?? '?'} (${details.join(', ')})`];
    }
    case 'reload-failed': {
      const details = [...(event.ms === undefined ? [] : [duration(event.ms)]), `${event.version} keeps serving`];
      const attempted = label({ ...event, version: event.attempted });
      return [`reload failed ${attempted} (${details.join(', ')}): ${summary(event.error, event.name)}`];
    }
    case 'restarting':
      return [
        `restarting ${label(event)} (attempt ${event.attempt}, in ${duration(event.delayMs)}): ${summary(event.error, event.name)}`,
      ];
    case 'unloaded':
      return [`unloaded ${label(event)}${timing(event.ms)}`];
    case 'error': {
      const fields = event.fields === undefined ? '' : ` ${JSON.stringify(event.fields, jsonValue)}`;
      return [`error ${event.message}${fields}`];
    }
  }
}

function label(subject: Subject): string {
  return subject.version === undefined ? subject.name : `${subject.name}@${subject.version}`;
}

// A line already names the plugin, so the `add@1.0.0: ` a PluginError's message starts with is
// left out; messages can carry a code frame or a stack, so a line keeps the first line.
function summary(error: ErrorSummary, name: string): string {
  const line = error.message.split('\n')[0] as string;
  const colon = line.indexOf(': ');
  const head = line.slice(0, Math.max(colon, 0));
  const named = head === name || (head.startsWith(`${name}@`) && !head.includes(' '));
  return `${error.code} ${named ? line.slice(colon + 2) : line}`;
}

function timing(ms: number | undefined): string {
  return ms === undefined ? '' : ` (${duration(ms)})`;
}

function duration(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
