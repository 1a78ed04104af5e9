import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { FrugalError } from '../core/errors.js';
import { packageFile } from './package-files.js';
import { type Split, type SplitOptions, splitItems } from './split.js';

export const PYODIDE_PACKAGE = 'pyodide';

export interface SourceFile {
  /** Path inside the archive, e.g. "json/decoder.py". */
  path: string;
  text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every .py file in `python_stdlib.zip` from the pyodide package, sorted by path. */
export function loadPythonStdlib(opts: { zipPath?: string } = {}): SourceFile[] {
  const op = 'loadPythonStdlib';
  const zipPath = opts.zipPath ?? packageFile(PYODIDE_PACKAGE, 'python_stdlib.zip', op);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(zipPath), { filter: (f) => f.name.endsWith('.py') });
  } catch (e) {
    throw new FrugalError('E_IO', `cannot read the zip archive: ${(e as Error).message}`, {
      op,
      file: zipPath,
      cause: e,
    });
  }
  const files: SourceFile[] = [];
  for (const path of Object.keys(entries).sort()) {
    try {
      files.push({ path, text: utf8.decode(entries[path]) });
    } catch (e) {
      throw new FrugalError('E_IO', `${path} is not valid UTF-8`, {
        op,
        file: zipPath,
        field: path,
        cause: e,
      });
    }
  }
  if (files.length === 0)
    throw new FrugalError('E_IO', 'the archive holds no .py files', { op, file: zipPath });
  return files;
}

/** The Python corpus split by file with a seeded shuffle (defaults 80/10/10, seed 0). */
export function loadPythonStdlibSplit(opts: SplitOptions & { zipPath?: string } = {}): Split<SourceFile> {
  return splitItems(loadPythonStdlib(opts), opts);
}
