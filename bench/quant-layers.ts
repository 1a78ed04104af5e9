/**
 * One Linear layer at the BERT shapes (tokens = batch x seq; q/k/v/o: hidden -> hidden, up:
 * hidden -> intermediate, with GELU where a path can fuse it, down: intermediate -> hidden), f32
 * (prepacked, nn.Linear) against QuantizedLinear W8A8 on the exact int16-pair kernel and on the
 * 7-bit u8 x s8 kernel, activation quantization included. Process CPU time, not wall time: with
 * FRUGAL_THREADS=1 it is the compute time, which an overloaded machine's time-slicing does not
 * inflate. `--quick`: bert-mini; `--config=<name>`, `--batch=<n>`, `--seq=<n>` as in bench quant.
 */
import * as A from '../src/autograd/index.js';
import { QuantizedLinear } from '../src/compress/index.js';
import { Rng } from '../src/core/rng.js';
import { resolveConfig } from '../src/models/index.js';
import * as nn from '../src/nn/index.js';
import * as F from '../src/ops/index.js';
import type { BenchContext } from './harness.js';
import { median } from './harness.js';

function flag(args: readonly string[], name: string, fallback: string): string {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

function cpuMs(fn: () => A.Variable): number {
  const c0 = process.cpuUsage();
  fn().value.dispose();
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
}

export default async function quantLayers(ctx: BenchContext): Promise<void> {
  const name = flag(ctx.args, 'config', ctx.quick ? 'bert-mini' : 'bert-base');
  const cfg = resolveConfig(name);
  if (cfg.arch !== 'bert') throw new Error(`${name} is not a BERT config`);
  const tokens = Number(flag(ctx.args, 'batch', '8')) * Number(flag(ctx.args, 'seq', '128'));
  const reps = ctx.quick ? 9 : 15;
  ctx.note(`${name}, ${tokens} tokens, median process CPU time of ${reps} round-robin samples`);
  const rng = new Rng(3);
  const shapes: [string, number, number, boolean][] = [
    ['qkvo', cfg.hidden, cfg.hidden, false],
    ['up+gelu', cfg.hidden, cfg.intermediate, true],
    ['down', cfg.intermediate, cfg.hidden, false],
  ];
  A.noGrad(() => {
    for (const [label, k, n, gelu] of shapes) {
      const lin = new nn.Linear(k, n, { rng });
      lin.eval();
      const impls: [string, nn.Linear | QuantizedLinear][] = [
        ['frugal-fp32', lin],
        ['frugal-w8a8', QuantizedLinear.fromLinear(lin, { bits: 8 })],
        ['frugal-w8a8-7bit', QuantizedLinear.fromLinear(lin, { bits: 8, sevenBit: true })],
      ];
      const x = F.keep(
        F.tensor(
          Float32Array.from({ length: tokens * k }, () => rng.uniform() - 0.5),
          { shape: [tokens, k] },
        ),
      );
      const xv = A.constant(x);
      // The unfused path: GEMM, then GELU as its own op (what nn.MLP does when it cannot fuse).
      const run = (layer: nn.Linear | QuantizedLinear) => () =>
        gelu ? (layer.forwardFused(xv, 'gelu_erf') ?? A.gelu(layer.forward(xv), 'none')) : layer.forward(xv);
      const samples = impls.map((): number[] => []);
      for (let r = 0; r < reps; r++) {
        impls.forEach(([, layer], i) => {
          samples[i]!.push(cpuMs(run(layer)));
        });
      }
      const base = median(samples[0]!);
      impls.forEach(([impl], i) => {
        const ms = median(samples[i]!);
        const c = `${name} ${label} ${tokens}x${k}x${n}`;
        ctx.emit({ case: c, impl, metric: 'cpu_ms', value: ms, unit: 'ms' });
        if (i > 0) ctx.emit({ case: c, impl, metric: 'cpu_vs_fp32', value: ms / base, unit: 'x' });
      });
      x.dispose();
      for (const [, layer] of impls) layer.dispose();
    }
  });
}
