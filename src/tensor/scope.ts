/**
 * tidy() scopes: every tensor created inside a scope is disposed when it ends, except those it
 * returns or that were passed to keep(). This is how callers release intermediates
 * deterministically without waiting for the garbage collector.
 */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];
const kept = new WeakSet<Disposable>();

export function trackInScope(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Keeps a tensor alive past the end of the enclosing tidy() scopes. */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  return t;
}

export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const survivors = new Set<Disposable>();
  collectDisposables(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) parent?.add(t);
    else if (kept.has(t)) continue;
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}

function collectDisposables(value: unknown, into: Set<Disposable>, depth = 0): void {
  // Typed arrays hold no tensors; Object.values would copy every element (~20 ms per MB-sized result).
  if (value === null || typeof value !== 'object' || depth > 4 || ArrayBuffer.isView(value)) return;
  if ('dispose' in value && 'isDisposed' in value) {
    into.add(value as Disposable);
    return;
  }
  const items = Array.isArray(value)
    ? value
    : value instanceof Map
      ? [...value.values()]
      : Object.values(value);
  for (const v of items) collectDisposables(v, into, depth + 1);
}
