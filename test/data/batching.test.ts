import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { packSequences, padBatch } from '../../src/data/batching.js';

test('padBatch pads right to the longest sequence with a mask', () => {
  const b = padBatch([[5, 6, 7], [8], []], { padId: 0 });
  assert.deepEqual(b.shape, [3, 3]);
  assert.deepEqual([...b.ids], [5, 6, 7, 8, 0, 0, 0, 0, 0]);
  assert.deepEqual([...b.attentionMask], [1, 1, 1, 1, 0, 0, 0, 0, 0]);
});

test('padBatch pads left, to a fixed length, and truncates on request', () => {
  const left = padBatch([[1, 2], [3]], { padId: 9, length: 4, side: 'left' });
  assert.deepEqual([...left.ids], [9, 9, 1, 2, 9, 9, 9, 3]);
  assert.deepEqual([...left.attentionMask], [0, 0, 1, 1, 0, 0, 0, 1]);
  const cut = padBatch([[1, 2, 3, 4], [5]], { padId: 0, length: 2, truncate: true });
  assert.deepEqual([...cut.ids], [1, 2, 5, 0]);
  assert.deepEqual([...cut.attentionMask], [1, 1, 1, 0]);
});

test('padBatch rejects overlong sequences, empty batches and non-integer ids', () => {
  assert.throws(
    () => padBatch([[1, 2, 3]], { padId: 0, length: 2 }),
    (e) => isFrugalError(e, 'E_SHAPE') && e.details.field === 'length',
  );
  assert.throws(
    () => padBatch([], { padId: 0 }),
    (e) => isFrugalError(e, 'E_ARG'),
  );
  assert.throws(
    () => padBatch([[1.5]], { padId: 0 }),
    (e) => isFrugalError(e, 'E_ARG') && e.details.field === 'seqs',
  );
});

test('packSequences joins with EOS and cuts full blocks, dropping the tail', () => {
  // stream: 1 2 3 E 4 5 E 6 E  (9 tokens) → two blocks of 4, one token dropped
  const p = packSequences([[1, 2, 3], [4, 5], [6]], { eosId: 0, blockSize: 4 });
  assert.deepEqual(p.shape, [2, 4]);
  assert.deepEqual([...p.ids], [1, 2, 3, 0, 4, 5, 0, 6]);
  assert.equal(p.dropped, 1);
  const exact = packSequences([[1], [2]], { eosId: 7, blockSize: 2 });
  assert.deepEqual([...exact.ids], [1, 7, 2, 7]);
  assert.equal(exact.dropped, 0);
  const none = packSequences([[1]], { eosId: 7, blockSize: 3 });
  assert.deepEqual(none.shape, [0, 3]);
  assert.equal(none.dropped, 2);
  assert.throws(
    () => packSequences([[1]], { eosId: 0, blockSize: 0 }),
    (e) => isFrugalError(e, 'E_ARG') && e.details.field === 'blockSize',
  );
});
