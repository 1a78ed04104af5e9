import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { BYTE_TO_CHAR, preTokenize } from '../../src/data/byte-level.js';
import { loadTokenizerJson, saveTokenizerJson } from '../../src/data/tokenizer-json.js';
import { trainBpe } from '../../src/data/train-bpe.js';

// The fixture's JSON as the tests mutate it.
type Doc = {
  model: { type?: string; vocab: Record<string, unknown>; merges: unknown[] };
  pre_tokenizer?: unknown;
};

const fixture = join(import.meta.dirname, 'fixtures', 'tiny-tokenizer.json');

test('byte alphabet: 256 distinct printable characters, space is Ġ, newline is Ċ', () => {
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[32], 'Ġ');
  assert.equal(BYTE_TO_CHAR[10], 'Ċ');
  assert.equal(BYTE_TO_CHAR[65], 'A');
});

test('pre-tokenizer splits words, numbers, punctuation and whitespace like GPT-2', () => {
  assert.deepEqual(preTokenize("Hello world, it's 2024!\n\n  x"), [
    'Hello',
    ' world',
    ',',
    ' it',
    "'s",
    ' 2024',
    '!',
    '\n\n ',
    ' x',
  ]);
});

test('merges learned on "aaabdaaabac" match the hand count', () => {
  const tok = trainBpe(['aaabdaaabac'], { vocabSize: 300 });
  // aa occurs 4 times; then (a,b) and (aa,a) tie at 2 and the smaller pair (a,b) wins; then aa+ab.
  assert.deepEqual(tok.merges, [
    ['a', 'a'],
    ['a', 'b'],
    ['aa', 'ab'],
  ]);
  assert.deepEqual(tok.encode('aaabdaaabac'), [258, 100, 258, 97, 99]);
  assert.equal(tok.vocabSize, 259);
});

test('word frequencies drive the merges and vocabSize caps them', () => {
  const texts = [
    'low low low low low lower lower newest newest newest newest newest newest widest widest widest',
  ];
  const tok = trainBpe(texts, { vocabSize: 256 + 3 });
  // By hand: (e,s) and (s,t) both occur 9 times (6 newest + 3 widest), the smaller pair wins; then
  // (es,t) 9; then (l,o) and (o,w) tie at 7 and (l,o) wins. (w,e) drops from 8 to 2 once "est" forms.
  assert.deepEqual(tok.merges, [
    ['e', 's'],
    ['es', 't'],
    ['l', 'o'],
  ]);
  assert.equal(tok.decode(tok.encode(texts[0])), texts[0]);
});

test('special tokens get the first ids and are never split', () => {
  const tok = trainBpe(['one<|endoftext|>two<|endoftext|>three'], {
    vocabSize: 270,
    specialTokens: ['<|endoftext|>', '<pad>'],
  });
  assert.equal(tok.tokenToId('<|endoftext|>'), 0);
  assert.equal(tok.tokenToId('<pad>'), 1);
  const ids = tok.encode('hi<|endoftext|>there');
  assert.ok(ids.includes(0));
  assert.equal(tok.decode(ids), 'hi<|endoftext|>there');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'hithere');
});

test('round trip is exact for unicode, emoji, code and control bytes', () => {
  const corpus = [
    'def f(x):\n    return x ** 2  # square\n',
    'Grüße aus München — 東京 🚀🔥 👩‍👩‍👧‍👦',
    '\t\r\n\u0000\u007f',
  ];
  const tok = trainBpe(corpus, { vocabSize: 400, specialTokens: ['<|endoftext|>'] });
  for (const s of [...corpus, 'never seen: Ωμέγα ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '', ' ', '   leading and trailing   ']) {
    assert.equal(tok.decode(tok.encode(s)), s);
  }
  assert.ok(
    tok.encode(corpus[0]).length < new TextEncoder().encode(corpus[0]).length,
    'merges compress the corpus',
  );
});

test('training rejects a vocabSize that cannot hold the bytes and specials', () => {
  assert.throws(
    () => trainBpe(['x'], { vocabSize: 256, specialTokens: ['<s>'] }),
    (e) => isFrugalError(e, 'E_ARG') && e.details.field === 'vocabSize',
  );
});

test('tokenizer.json save then load gives the same ids and merges', async () => {
  const corpus = ['import os\nimport sys\n\ndef main():\n    print(os.getcwd())\n'.repeat(3)];
  const tok = trainBpe(corpus, { vocabSize: 320, specialTokens: ['<|endoftext|>'] });
  const path = join(mkdtempSync(join(tmpdir(), 'frugal-bpe-')), 'tokenizer.json');
  await saveTokenizerJson(tok, path);
  const back = await loadTokenizerJson(path);
  assert.deepEqual(back.merges, tok.merges);
  assert.equal(back.vocabSize, tok.vocabSize);
  const s = 'import json\ndef main(): print("hi")<|endoftext|>';
  assert.deepEqual(back.encode(s), tok.encode(s));
  assert.equal(back.decode(back.encode(s)), s);
});

test('loads a hand-written Hugging Face tokenizer.json (pair-array merges, added token)', async () => {
  const tok = await loadTokenizerJson(fixture);
  assert.deepEqual(tok.encode('hello world!'), [13, 16, 3, 8, 9]);
  assert.deepEqual(tok.encode('hello<|endoftext|>'), [13, 0]);
  assert.equal(tok.decode([13, 16, 3, 8, 9]), 'hello world!');
  assert.throws(
    () => tok.encode('z'),
    (e) => isFrugalError(e, 'E_CONFIG') && e.details.field === 'model.vocab',
  );
});

test('bad tokenizer files raise E_IO / E_CONFIG naming the file and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-bad-'));
  await assert.rejects(
    loadTokenizerJson(join(dir, 'missing.json')),
    (e) => isFrugalError(e, 'E_IO') && e.message.includes('missing.json'),
  );
  const write = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  await assert.rejects(loadTokenizerJson(write('trunc.json', '{"model": {')), (e) =>
    isFrugalError(e, 'E_IO'),
  );
  const good = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(fixture, 'utf8')));
  const cases: [string, (d: Doc) => void, string][] = [
    ['wordpiece', (d) => (d.model.type = 'WordPiece'), 'model.type'],
    ['nobpe', (d) => delete (d as Partial<Doc>).model, 'model'],
    ['pre', (d) => (d.pre_tokenizer = { type: 'Whitespace' }), 'pre_tokenizer'],
    ['vocab', (d) => (d.model.vocab.h = 'one'), 'model.vocab'],
    ['merge', (d) => d.model.merges.push(['x', 'y']), 'model.merges'],
    ['merge-shape', (d) => d.model.merges.push('a b c'), 'model.merges[7]'],
  ];
  for (const [name, mutate, field] of cases) {
    const d = structuredClone(good);
    mutate(d);
    const p = write(`${name}.json`, JSON.stringify(d));
    await assert.rejects(loadTokenizerJson(p), (e) => {
      assert.ok(isFrugalError(e, 'E_CONFIG'), `${name}: ${e}`);
      assert.equal(e.details.field, field, name);
      assert.equal(e.details.file, p);
      return true;
    });
  }
});
