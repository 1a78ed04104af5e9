import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import {
  BertForSequenceClassification,
  configFromHf,
  configToHf,
  createModel,
  type FrugalModel,
  LlamaForCausalLM,
  loadHfCheckpoint,
  readSafetensors,
  resolveConfig,
  saveHfCheckpoint,
  T5ForConditionalGeneration,
  writeSafetensors,
} from '../../src/models/index.js';
import * as F from '../../src/ops/index.js';

const root = mkdtempSync(join(tmpdir(), 'frugal-hf-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => {
  const dir = join(root, String(dirs++));
  mkdirSync(dir);
  return dir;
};

const ids = F.tensor(
  [
    [1, 2, 3, 4],
    [4, 3, 2, 1],
  ],
  { dtype: 'i32' },
);

/** Output of any of the three models on a fixed input, in eval mode. */
function outputs(model: FrugalModel): number[] {
  model.eval();
  return F.tidy(() => {
    if (model instanceof T5ForConditionalGeneration) return model.forward(ids, ids).value.toFlatArray();
    return model.forward(ids).value.toFlatArray();
  });
}

async function writeHf(dir: string, config: Record<string, unknown>, tensors: Record<string, F.Tensor>) {
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
}

const BERT_HF = {
  model_type: 'bert',
  vocab_size: 20,
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 10,
  type_vocab_size: 2,
  id2label: { 0: 'ham', 1: 'spam', 2: 'other' },
  layer_norm_eps: 1e-12,
  hidden_act: 'gelu',
};

/** HF BERT names written out by hand, paired with the Frugal parameter they hold. */
function bertHfTensors(model: BertForSequenceClassification): Record<string, F.Tensor> {
  const sd = model.stateDict();
  const l = 'bert.encoder.layer.0.';
  const pairs: [string, string][] = [
    ['bert.embeddings.word_embeddings.weight', 'wordEmbeddings.weight'],
    ['bert.embeddings.position_embeddings.weight', 'positionEmbeddings.weight'],
    ['bert.embeddings.token_type_embeddings.weight', 'tokenTypeEmbeddings.weight'],
    ['bert.embeddings.LayerNorm.weight', 'embeddingNorm.weight'],
    ['bert.embeddings.LayerNorm.bias', 'embeddingNorm.bias'],
    ...(['weight', 'bias'] as const).flatMap((w): [string, string][] => [
      [`${l}attention.self.query.${w}`, `blocks.0.attn.q.${w}`],
      [`${l}attention.self.key.${w}`, `blocks.0.attn.k.${w}`],
      [`${l}attention.self.value.${w}`, `blocks.0.attn.v.${w}`],
      [`${l}attention.output.dense.${w}`, `blocks.0.attn.o.${w}`],
      [`${l}attention.output.LayerNorm.${w}`, `blocks.0.norm1.${w}`],
      [`${l}intermediate.dense.${w}`, `blocks.0.mlp.up.${w}`],
      [`${l}output.dense.${w}`, `blocks.0.mlp.down.${w}`],
      [`${l}output.LayerNorm.${w}`, `blocks.0.norm2.${w}`],
      [`bert.pooler.dense.${w}`, `pooler.${w}`],
      [`classifier.${w}`, `classifier.${w}`],
    ]),
  ];
  assert.equal(pairs.length, Object.keys(sd).length);
  return Object.fromEntries(pairs.map(([hf, name]) => [hf, sd[name]!]));
}

const LLAMA_HF = {
  model_type: 'llama',
  vocab_size: 20,
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  intermediate_size: 12,
  max_position_embeddings: 16,
  rope_theta: 10000,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: false,
  hidden_act: 'silu',
};

function llamaHfTensors(model: LlamaForCausalLM): Record<string, F.Tensor> {
  const sd = model.stateDict();
  const l = 'model.layers.0.';
  const pairs: [string, string][] = [
    ['model.embed_tokens.weight', 'embed.weight'],
    [`${l}self_attn.q_proj.weight`, 'blocks.0.attn.q.weight'],
    [`${l}self_attn.k_proj.weight`, 'blocks.0.attn.k.weight'],
    [`${l}self_attn.v_proj.weight`, 'blocks.0.attn.v.weight'],
    [`${l}self_attn.o_proj.weight`, 'blocks.0.attn.o.weight'],
    [`${l}mlp.gate_proj.weight`, 'blocks.0.mlp.gate.weight'],
    [`${l}mlp.up_proj.weight`, 'blocks.0.mlp.up.weight'],
    [`${l}mlp.down_proj.weight`, 'blocks.0.mlp.down.weight'],
    [`${l}input_layernorm.weight`, 'blocks.0.norm1.weight'],
    [`${l}post_attention_layernorm.weight`, 'blocks.0.norm2.weight'],
    ['model.norm.weight', 'norm.weight'],
    ['lm_head.weight', 'lmHead.weight'],
  ];
  assert.equal(pairs.length, Object.keys(sd).length);
  return Object.fromEntries(pairs.map(([hf, name]) => [hf, sd[name]!]));
}

describe('Hugging Face checkpoints', () => {
  it('loads a hand-built HF BERT checkpoint: same outputs as the Frugal model holding those weights', async () => {
    const config = resolveConfig({
      arch: 'bert',
      vocabSize: 20,
      hidden: 8,
      layers: 1,
      heads: 2,
      intermediate: 16,
      maxPositions: 10,
      numLabels: 3,
    });
    assert.ok(config.arch === 'bert');
    const reference = new BertForSequenceClassification(config, { seed: 1 });
    const dir = freshDir();
    await writeHf(dir, BERT_HF, bertHfTensors(reference));
    const loaded = await loadHfCheckpoint(dir);
    assert.ok(loaded instanceof BertForSequenceClassification);
    assert.equal(loaded.config.numLabels, 3);
    assert.deepEqual(outputs(loaded), outputs(reference));
    loaded.dispose();
    reference.dispose();
  });

  it('loads a hand-built HF Llama checkpoint (GQA, untied head), also from bf16 tensors', async () => {
    const config = resolveConfig({
      arch: 'llama',
      vocabSize: 20,
      hidden: 8,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      intermediate: 12,
      maxPositions: 16,
      rmsNormEps: 1e-6,
      tieEmbeddings: false,
    });
    assert.ok(config.arch === 'llama');
    const reference = new LlamaForCausalLM(config, { seed: 2 });
    const dir = freshDir();
    await writeHf(dir, LLAMA_HF, llamaHfTensors(reference));
    const loaded = await loadHfCheckpoint(dir);
    assert.ok(loaded instanceof LlamaForCausalLM);
    assert.deepEqual(outputs(loaded), outputs(reference));
    loaded.dispose();
    const bf16Dir = freshDir();
    const half = Object.fromEntries(
      Object.entries(llamaHfTensors(reference)).map(([n, t]) => [n, F.cast(t, 'bf16')]),
    );
    await writeHf(bf16Dir, LLAMA_HF, half);
    const fromBf16 = await loadHfCheckpoint(bf16Dir);
    const a = outputs(fromBf16);
    const b = outputs(reference);
    assert.ok(
      a.every((v, i) => Math.abs(v - b[i]!) < 0.05),
      'bf16 weights give nearby logits',
    );
    for (const t of Object.values(half)) t.dispose();
    fromBf16.dispose();
    reference.dispose();
  });

  it('round-trips every arch through saveHfCheckpoint and loadHfCheckpoint', async () => {
    const specs = [
      resolveConfig('bert-tiny', {
        vocabSize: 20,
        hidden: 8,
        layers: 2,
        heads: 2,
        intermediate: 16,
        maxPositions: 8,
      }),
      resolveConfig('llama-tiny', {
        vocabSize: 20,
        hidden: 8,
        layers: 2,
        heads: 2,
        kvHeads: 2,
        intermediate: 12,
      }),
      resolveConfig('t5-tiny', {
        vocabSize: 20,
        hidden: 8,
        layers: 2,
        decoderLayers: 1,
        heads: 2,
        headDim: 4,
        ff: 12,
        relativeBuckets: 8,
      }),
      resolveConfig('t5-tiny', {
        vocabSize: 20,
        hidden: 8,
        layers: 1,
        decoderLayers: 2,
        heads: 2,
        headDim: 4,
        ff: 12,
        ffActivation: 'gated-gelu',
        tieEmbeddings: false,
      }),
    ];
    const written: string[] = [];
    for (const [i, config] of specs.entries()) {
      const model = createModel(config, { seed: 10 + i });
      const dir = freshDir();
      await saveHfCheckpoint(model, dir);
      written.push(dir);
      const loaded = await loadHfCheckpoint(dir);
      assert.deepEqual(loaded.config, model.config);
      assert.deepEqual(outputs(loaded), outputs(model), config.arch);
      loaded.dispose();
      model.dispose();
    }
    const { tensors } = await readSafetensors(join(written[2]!, 'model.safetensors'));
    for (const name of [
      'shared.weight',
      'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight',
      'encoder.block.1.layer.1.DenseReluDense.wi.weight',
      'decoder.block.0.layer.1.EncDecAttention.k.weight',
      'decoder.block.0.layer.2.layer_norm.weight',
      'decoder.final_layer_norm.weight',
    ]) {
      assert.ok(name in tensors, `T5 checkpoint holds ${name}`);
    }
    assert.ok(!('lm_head.weight' in tensors), 'a tied head is not written twice');
    for (const t of Object.values(tensors)) t.dispose();
  });

  it('names the HF tensor and the file on a missing, misshapen or unexpected tensor', async () => {
    const config = resolveConfig({
      arch: 'llama',
      vocabSize: 20,
      hidden: 8,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      intermediate: 12,
      maxPositions: 16,
      rmsNormEps: 1e-6,
      tieEmbeddings: false,
    });
    assert.ok(config.arch === 'llama');
    const reference = new LlamaForCausalLM(config, { seed: 3 });
    const good = llamaHfTensors(reference);
    const fails = async (
      tensors: Record<string, F.Tensor>,
      field: string,
      code: 'E_NOT_FOUND' | 'E_SHAPE',
    ) => {
      const dir = freshDir();
      await writeHf(dir, LLAMA_HF, tensors);
      await assert.rejects(
        loadHfCheckpoint(dir),
        (e: unknown) =>
          isFrugalError(e, code) &&
          e.details.field === field &&
          e.details.file === join(dir, 'model.safetensors'),
      );
    };
    const { 'model.norm.weight': _dropped, ...missing } = good;
    await fails(missing, 'model.norm.weight', 'E_NOT_FOUND');
    const wrong = F.zeros([9]);
    await fails({ ...good, 'model.norm.weight': wrong }, 'model.norm.weight', 'E_SHAPE');
    await fails(
      { ...good, 'model.layers.0.extra.weight': wrong },
      'model.layers.0.extra.weight',
      'E_NOT_FOUND',
    );
    const dir = freshDir();
    await writeHf(dir, { ...LLAMA_HF, num_attention_heads: 3 }, good);
    await assert.rejects(
      loadHfCheckpoint(dir),
      (e: unknown) => isFrugalError(e, 'E_CONFIG') && e.details.file === join(dir, 'config.json'),
    );
    wrong.dispose();
    reference.dispose();
  });

  it('non-strict loading keeps fresh values for tensors the file lacks (a BertModel without classifier)', async () => {
    const config = resolveConfig({
      arch: 'bert',
      vocabSize: 20,
      hidden: 8,
      layers: 1,
      heads: 2,
      intermediate: 16,
      maxPositions: 10,
      numLabels: 3,
    });
    assert.ok(config.arch === 'bert');
    const reference = new BertForSequenceClassification(config, { seed: 4 });
    const tensors = Object.fromEntries(
      Object.entries(bertHfTensors(reference))
        .filter(([n]) => n.startsWith('bert.'))
        .map(([n, t]) => [n.slice('bert.'.length), t]),
    );
    const dir = freshDir();
    await writeHf(dir, BERT_HF, tensors);
    await assert.rejects(loadHfCheckpoint(dir), /classifier\.weight/);
    const loaded = await loadHfCheckpoint(dir, { strict: false });
    assert.ok(loaded instanceof BertForSequenceClassification);
    const enc = (m: BertForSequenceClassification) => F.tidy(() => m.eval().encode(ids).value.toFlatArray());
    assert.deepEqual(enc(loaded), enc(reference));
    loaded.dispose();
    reference.dispose();
  });

  it('maps HF config fields and rejects features the models do not implement', () => {
    const t5 = configFromHf({
      model_type: 'mt5',
      vocab_size: 100,
      d_model: 16,
      d_kv: 4,
      d_ff: 32,
      num_layers: 2,
      num_heads: 4,
      feed_forward_proj: 'gated-gelu',
      tie_word_embeddings: false,
    });
    assert.ok(t5.arch === 't5');
    assert.deepEqual(
      [t5.decoderLayers, t5.ffActivation, t5.tieEmbeddings, t5.relativeBuckets],
      [2, 'gated-gelu', false, 32],
    );
    const llama = configFromHf(LLAMA_HF);
    assert.ok(llama.arch === 'llama');
    assert.deepEqual([llama.kvHeads, llama.intermediate, llama.tieEmbeddings], [1, 12, false]);
    assert.deepEqual(configFromHf(configToHf(llama)), llama);
    const unsupported = (patch: Record<string, unknown>, field: string) =>
      assert.throws(
        () => configFromHf({ ...LLAMA_HF, ...patch }, 'x/config.json'),
        (e: unknown) =>
          isFrugalError(e, 'E_CONFIG') && e.details.field === field && e.details.file === 'x/config.json',
      );
    unsupported({ rope_scaling: { type: 'linear', factor: 2 } }, 'rope_scaling');
    unsupported({ hidden_act: 'gelu' }, 'hidden_act');
    unsupported({ model_type: 'gpt2' }, 'model_type');
    unsupported({ vocab_size: undefined }, 'vocab_size');
    const meanPooled = resolveConfig('bert-tiny', { pooling: 'mean' });
    assert.throws(
      () => configToHf(meanPooled),
      (e: unknown) => isFrugalError(e, 'E_CONFIG') && e.details.field === 'pooling',
    );
  });

  it('loads sharded checkpoints through model.safetensors.index.json', async () => {
    const config = resolveConfig({
      arch: 'llama',
      vocabSize: 20,
      hidden: 8,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      intermediate: 12,
      maxPositions: 16,
      rmsNormEps: 1e-6,
      tieEmbeddings: false,
    });
    assert.ok(config.arch === 'llama');
    const reference = new LlamaForCausalLM(config, { seed: 5 });
    const all = Object.entries(llamaHfTensors(reference));
    const dir = freshDir();
    const shards = [all.slice(0, 5), all.slice(5)];
    const weightMap: Record<string, string> = {};
    for (const [i, part] of shards.entries()) {
      const shard = `model-0000${i + 1}-of-00002.safetensors`;
      await writeSafetensors(join(dir, shard), Object.fromEntries(part));
      for (const [n] of part) weightMap[n] = shard;
    }
    writeFileSync(join(dir, 'config.json'), JSON.stringify(LLAMA_HF));
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
    const loaded = await loadHfCheckpoint(dir);
    assert.deepEqual(outputs(loaded), outputs(reference));
    loaded.dispose();
    const [lastName] = shards[1]!.at(-1)!;
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { ...weightMap, [lastName]: 'model-00001-of-00002.safetensors' } }),
    );
    await assert.rejects(
      loadHfCheckpoint(dir),
      (e: unknown) => isFrugalError(e, 'E_IO') && e.details.field === lastName,
    );
    reference.dispose();
  });
});
