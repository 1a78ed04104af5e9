import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { searchNative } from '../../src/search/native.js';

const native = searchNative();
const LEVELS = [
  { name: 'scalar', level: 0 },
  { name: 'avx2', level: 2 },
  { name: 'avx512', level: 3 },
] as const;

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

test('every available ISA level computes l2, dot and int8 dot like the reference', { skip: !native }, () => {
  const rng = new Rng(3);
  const active = native!.searchIsa();
  let tested = 0;
  for (const { name, level } of LEVELS) {
    if (native!.searchKernel(level, 'l2', new Float32Array(1), new Float32Array(1), 1) === null) {
      assert.ok(level > active.level, `${name} must be available: the active level is ${active.active}`);
      continue;
    }
    tested++;
    for (const d of [1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 128, 130]) {
      const a = Float32Array.from({ length: d }, () => rng.normal());
      const b = Float32Array.from({ length: d }, () => rng.normal());
      const c = Int8Array.from({ length: d }, () => rng.int(255) - 127);
      let l2 = 0;
      let dot = 0;
      let dotI8 = 0;
      for (let i = 0; i < d; i++) {
        l2 += (a[i]! - b[i]!) ** 2;
        dot += a[i]! * b[i]!;
        dotI8 += a[i]! * c[i]!;
      }
      close(native!.searchKernel(level, 'l2', a, b, d)!, l2, `${name} l2 d=${d}`);
      close(native!.searchKernel(level, 'dot', a, b, d)!, dot, `${name} dot d=${d}`);
      close(native!.searchKernel(level, 'dot_i8', a, c, d)!, dotI8, `${name} dot_i8 d=${d}`);
    }
  }
  assert.ok(tested >= 1);
});

test('huge-page advice covers only whole 2 MiB pages inside an array and keeps its contents', {
  skip: !native,
}, () => {
  assert.equal(native!.searchHugePages(new Float32Array(1024)), 0);
  const big = new Float32Array(3 << 20);
  const rng = new Rng(5);
  for (let i = 0; i < big.length; i += 4096) big[i] = rng.uniform();
  const before = Float32Array.from(big);
  const covered = native!.searchHugePages(big);
  assert.ok(covered >= 0 && covered <= big.byteLength && covered % (2 << 20) === 0, `covered ${covered}`);
  assert.deepEqual(big, before);
});
