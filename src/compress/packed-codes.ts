/**
 * Packed low-bit weight codes, little-endian within a byte: code k sits at bit (k · bits) % 8 of
 * byte k · bits / 8. INT4 (bits 4) and ternary (bits 2, codes -1/0/1) are two's complement;
 * binary (bits 1) stores +1 as a set bit and -1 as a clear one. For INT4 one byte is one k-pair
 * of the native int8 GEMM's packed layout, which is why gemmPacked can unpack straight into it.
 */
import { FrugalError } from '../core/errors.js';

export type PackedBits = 4 | 2 | 1;

function range(bits: PackedBits): [number, number] {
  return bits === 1 ? [-1, 1] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}

export function packCodes(codes: Int8Array, bits: PackedBits): Uint8Array {
  const perByte = 8 / bits;
  if (codes.length % perByte !== 0) {
    throw new FrugalError(
      'E_SHAPE',
      `${bits}-bit packing needs a multiple of ${perByte} codes, got ${codes.length}`,
      {
        op: 'packCodes',
        hint: `rows and groups of ${bits}-bit weights must be multiples of ${perByte} long`,
      },
    );
  }
  const [lo, hi] = range(bits);
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(codes.length / perByte);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c < lo || c > hi || (bits === 1 && c === 0)) {
      throw new FrugalError('E_ARG', `code ${c} at ${i} does not fit ${bits} bits`, { op: 'packCodes' });
    }
    const v = bits === 1 ? (c > 0 ? 1 : 0) : c & mask;
    out[(i * bits) >> 3]! |= v << ((i * bits) & 7);
  }
  return out;
}

export function unpackCodes(packed: Uint8Array, bits: PackedBits): Int8Array {
  const out = new Int8Array((packed.length * 8) / bits);
  const mask = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  for (let i = 0; i < out.length; i++) {
    const v = (packed[(i * bits) >> 3]! >> ((i * bits) & 7)) & mask;
    out[i] = bits === 1 ? (v ? 1 : -1) : v >= half ? v - (1 << bits) : v;
  }
  return out;
}
