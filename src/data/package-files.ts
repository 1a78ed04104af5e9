import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FrugalError } from '../core/errors.js';

const require = createRequire(import.meta.url);

/**
 * Path of a file shipped inside an installed npm package. Looks the package folder up on Node's
 * module search path rather than through require.resolve, because data packages often list no
 * export for their data files.
 */
export function packageFile(pkg: string, file: string, op: string): string {
  const dirs = [...(require.resolve.paths(pkg) ?? []), join(process.cwd(), 'node_modules')];
  for (const dir of dirs) {
    const root = join(dir, pkg);
    if (!existsSync(root)) continue;
    const path = join(root, file);
    if (existsSync(path)) return path;
    throw new FrugalError('E_IO', `package ${pkg} is installed but has no ${file}`, {
      op,
      file: path,
      hint: `reinstall it: npm install ${pkg}`,
    });
  }
  throw new FrugalError('E_NOT_FOUND', `package ${pkg} is not installed`, {
    op,
    file: join(pkg, file),
    hint: `install it: npm install --save-dev ${pkg}`,
  });
}
