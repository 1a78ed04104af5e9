/** `frugal export onnx`: write a trained BERT or Llama checkpoint as an ONNX model. */
import type { Command } from 'commander';
import { exportCheckpointOnnx } from '../../models/onnx/checkpoint.js';

interface ExportOnnxOpts {
  checkpoint: string;
  out: string;
}

export function register(program: Command): void {
  const exp = program.command('export').description('Export a checkpoint to another format');
  exp
    .command('onnx')
    .description(
      'Write a BERT (input_ids, attention_mask → logits) or Llama (input_ids → logits) checkpoint as ONNX',
    )
    .requiredOption(
      '--checkpoint <dir>',
      'a directory with config.json and model.safetensors (the --out of `frugal train`)',
    )
    .requiredOption('--out <file>', 'the .onnx file to write (atomically)')
    .addHelpText(
      'after',
      `
Examples:
  $ frugal export onnx --checkpoint runs/spam --out spam.onnx
  $ frugal export onnx --checkpoint runs/py --out py-llama.onnx

Inputs are int64 [batch, seq] with dynamic batch and sequence axes; opset 17, f32 weights.`,
    )
    .action(async (o: ExportOnnxOpts) => {
      const model = await exportCheckpointOnnx(o.checkpoint, o.out);
      console.log(`wrote ${o.out} (${model.config.arch}, ${model.parameterCount()} parameters)`);
    });
}
