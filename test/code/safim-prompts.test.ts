import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildPrompt,
  COMPLETION_PLACEHOLDER,
  FIM_PRESETS,
  infillingParts,
  loadSafim,
  ONE_SHOT,
  PROMPT_MODES,
  parseFimTokens,
  SAFIM_LANGS,
  SAFIM_SPLITS,
} from '../../src/code/index.js';
import { isFrugalError } from '../../src/core/errors.js';

const [example] = loadSafim('block', { langs: ['java'], limit: 1, seed: 2 });
const { prefix, suffix } = infillingParts(example);

test('left-to-right shows only the code before the hole', () => {
  assert.equal(buildPrompt(example, 'l2r'), prefix);
  assert.ok(!buildPrompt(example, 'l2r').includes(COMPLETION_PLACEHOLDER.java));
});

test('PSM and SPM put prefix and suffix around the model sentinels', () => {
  const t = FIM_PRESETS.starcoder;
  assert.equal(buildPrompt(example, 'psm', t), `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`);
  assert.equal(buildPrompt(example, 'spm', t), `<fim_prefix><fim_suffix>${suffix}<fim_middle>${prefix}`);
  assert.throws(
    () => buildPrompt(example, 'psm'),
    (e: unknown) => isFrugalError(e, 'E_ARG') && /fim-tokens/.test(e.message),
  );
});

test('instructed prompts name the placeholder and the kind of answer; prefix feeding ends at the hole', () => {
  const instructed = buildPrompt(example, 'instructed');
  assert.ok(instructed.startsWith(example.prompt));
  assert.ok(instructed.includes(`"${COMPLETION_PLACEHOLDER.java}"`) && instructed.includes('block'));
  const fed = buildPrompt(example, 'prefix-feeding');
  assert.ok(fed.endsWith(example.evalPrompt.split('{{completion}}')[0]));
  const [control] = loadSafim('control', { langs: ['cpp'], limit: 1 });
  assert.ok(buildPrompt(control, 'instructed').includes('control expression'));
});

test('one-shot puts a worked example of the same split and language first', () => {
  const p = buildPrompt(example, 'one-shot');
  const shot = ONE_SHOT.block.java;
  assert.ok(p.startsWith(shot.prompt));
  assert.ok(p.indexOf(shot.answer) < p.indexOf(example.prompt));
  for (const split of SAFIM_SPLITS)
    for (const lang of SAFIM_LANGS) {
      const s = ONE_SHOT[split][lang];
      assert.equal(s.prompt.split(COMPLETION_PLACEHOLDER[lang]).length, 2, `${split} ${lang} has one hole`);
    }
});

test('every prompt mode builds for every split', () => {
  for (const split of SAFIM_SPLITS) {
    const [e] = loadSafim(split, { langs: ['python'], limit: 1 });
    for (const mode of PROMPT_MODES)
      assert.ok(buildPrompt(e, mode, FIM_PRESETS.deepseek).length > 0, `${split} ${mode}`);
  }
});

test('FIM tokens come from a preset or three explicit tokens', () => {
  assert.deepEqual(parseFimTokens('qwen-coder'), FIM_PRESETS['qwen-coder']);
  assert.deepEqual(parseFimTokens('<a>,<b>,<c>'), { prefix: '<a>', suffix: '<b>', middle: '<c>' });
  assert.throws(
    () => parseFimTokens('<a>,<b>'),
    (e: unknown) => isFrugalError(e, 'E_ARG'),
  );
});
