// Lists the C++ sources of one ISA group for binding.gyp, so that adding a kernel file needs no
// edit of the build file: native/src/*.cc is portable, native/src/avx2 and native/src/avx512 are
// compiled with their ISA flags into static libraries and reached only through runtime dispatch.
import { readdirSync } from 'node:fs';

const group = process.argv[2];
const dir = group === 'portable' ? 'native/src' : `native/src/${group}`;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.cc'))
  .sort()
  .map((f) => `${dir}/${f}`);
console.log(files.join(' '));
