/**
 * The one catalog of Frugal error codes. Every error a user can trigger is a `FrugalError`
 * whose message names what was wrong (the op, the shapes, the file or the field) and how to fix it.
 */
export const ERROR_CODES = {
  E_SHAPE: 'shapes do not fit the operation',
  E_DTYPE: 'dtype not supported by the operation',
  E_AXIS: 'axis out of range',
  E_ARG: 'invalid argument',
  E_INDEX: 'index out of range',
  E_BACKEND: 'backend unavailable or unable to run the operation',
  E_NATIVE: 'native addon failed',
  E_IO: 'file missing, unreadable or corrupt',
  E_CONFIG: 'invalid configuration',
  E_INFEASIBLE: 'problem has no solution',
  E_DISPOSED: 'tensor used after dispose',
  E_TIMEOUT: 'operation timed out',
  E_NOT_FOUND: 'named item does not exist',
  E_DIVERGED: 'training diverged (NaN or infinite loss or gradient)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FrugalErrorDetails {
  op?: string;
  shapes?: readonly (readonly number[])[];
  file?: string;
  field?: string;
  hint?: string;
  cause?: unknown;
}

export class FrugalError extends Error {
  readonly code: ErrorCode;
  readonly details: FrugalErrorDetails;

  constructor(code: ErrorCode, message: string, details: FrugalErrorDetails = {}) {
    super(formatMessage(code, message, details), details.cause === undefined ? {} : { cause: details.cause });
    this.name = 'FrugalError';
    this.code = code;
    this.details = details;
  }
}

function formatMessage(code: ErrorCode, message: string, d: FrugalErrorDetails): string {
  const parts = [`[${code}]`];
  if (d.op) parts.push(`${d.op}:`);
  parts.push(message);
  if (d.shapes && d.shapes.length > 0)
    parts.push(`(shapes ${d.shapes.map((s) => `[${s.join(', ')}]`).join(', ')})`);
  if (d.file) parts.push(`(file ${d.file})`);
  if (d.field) parts.push(`(field ${d.field})`);
  let text = parts.join(' ');
  if (d.hint) text += `. ${d.hint}`;
  return text;
}

export function isFrugalError(e: unknown, code?: ErrorCode): e is FrugalError {
  return e instanceof FrugalError && (code === undefined || e.code === code);
}
