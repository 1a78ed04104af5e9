import { FrugalError } from '../core/errors.js';
import { createNativeBackend } from './native/backend.js';
import { referenceBackend } from './reference/index.js';
import type { Backend, OpArgs, OpName } from './types.js';

/**
 * Backend selection. Backends are tried in priority order and the first that supports an op
 * for the given dtypes and layouts runs it; `reference` supports everything, so every op runs.
 */
export interface BackendCandidate {
  backend?: Backend;
  /** Why the backend is not available, when it is not. */
  reason?: string;
}

type Loader = () => BackendCandidate;

const loaders: { name: string; priority: number; load: Loader }[] = [
  { name: 'native', priority: 100, load: createNativeBackend },
];
let active: Backend[] | undefined;
const unavailable = new Map<string, string>();
let forced: string | undefined;
const dispatchTally = new Map<string, number>();

/** Registers a backend loader; higher priority is tried first. Loaders run once, lazily. */
export function registerBackend(name: string, priority: number, load: Loader): void {
  loaders.push({ name, priority, load });
  loaders.sort((a, b) => b.priority - a.priority);
  active = undefined;
}

function resolveBackends(): Backend[] {
  if (active) return active;
  const list: Backend[] = [];
  for (const l of loaders) {
    const c = l.load();
    if (c.backend) list.push(c.backend);
    else {
      const reason = c.reason ?? 'unavailable';
      if (!unavailable.has(l.name) && process.env.FRUGAL_NATIVE !== '0' && process.env.FRUGAL_QUIET !== '1') {
        process.emitWarning(
          `the ${l.name} backend is not in use (${reason}); running on the reference backend`,
          {
            code: 'FRUGAL_BACKEND',
          },
        );
      }
      unavailable.set(l.name, reason);
    }
  }
  list.push(referenceBackend);
  active = list;
  return list;
}

/** Whether useBackend lets ops dispatch to backend `name` (the reference is always allowed). */
function allowed(name: string): boolean {
  return forced === undefined || name === forced || name === 'reference';
}

export function runOp<K extends OpName>(op: K, args: OpArgs[K]): void {
  for (const b of resolveBackends()) {
    if (!allowed(b.name)) continue;
    if (b.supports(op, args)) {
      b.run(op, args);
      const key = `${b.name}:${op}`;
      dispatchTally.set(key, (dispatchTally.get(key) ?? 0) + 1);
      return;
    }
  }
  throw new FrugalError('E_BACKEND', 'no backend runs this op', { op });
}

/** Restricts dispatch to one backend (plus reference fallback); undefined restores automatic choice. */
export function useBackend(name: string | undefined): void {
  forced = name;
}

export interface BackendStatus {
  /** Backends in the order they are tried. */
  active: string[];
  /** Backends that could not be loaded, with the reason. */
  unavailable: Record<string, string>;
}

export function backendStatus(): BackendStatus {
  const list = resolveBackends();
  return {
    active: list.filter((b) => allowed(b.name)).map((b) => b.name),
    unavailable: Object.fromEntries(unavailable),
  };
}

/** Whether ops may dispatch to backend `name` now (backendStatus().active.includes(name), without allocating). */
export function isBackendActive(name: string): boolean {
  return allowed(name) && resolveBackends().some((b) => b.name === name);
}

/** How many times each backend ran each op ("backend:op" -> count) since the last reset. */
export function dispatchCounts(): Record<string, number> {
  return Object.fromEntries(dispatchTally);
}

export function resetDispatchCounts(): void {
  dispatchTally.clear();
}
