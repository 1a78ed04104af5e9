import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { loadSafim, openAIModel, PAPER_DECODING } from '../../src/code/index.js';
import { isFrugalError } from '../../src/core/errors.js';

interface Seen {
  url: string;
  auth: string | undefined;
  body: Record<string, unknown>;
}

// A stand-in for vLLM / llama.cpp's OpenAI-compatible server: records requests, answers in turn.
async function fakeServer(answers: { status: number; body: unknown }[]) {
  const seen: Seen[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    seen.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(text) });
    const a = answers[Math.min(seen.length - 1, answers.length - 1)];
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { baseUrl: `http://127.0.0.1:${port}/v1`, seen, close: () => server.close() };
}

const [example] = loadSafim('api', { langs: ['python'], limit: 1 });

test('completions endpoint: prompt, the paper decoding settings and the key are sent', async () => {
  const s = await fakeServer([{ status: 200, body: { choices: [{ text: 'np.ones(3)' }] } }]);
  try {
    const m = openAIModel({
      baseUrl: `${s.baseUrl}/`,
      model: 'coder',
      endpoint: 'completions',
      apiKey: 'k1',
    });
    assert.equal(m.kind, 'completion');
    assert.equal(await m.complete('PROMPT', example), 'np.ones(3)');
    assert.equal(s.seen[0].url, '/v1/completions');
    assert.equal(s.seen[0].auth, 'Bearer k1');
    assert.deepEqual(s.seen[0].body, {
      model: 'coder',
      temperature: PAPER_DECODING.temperature,
      top_p: PAPER_DECODING.topP,
      max_tokens: PAPER_DECODING.maxTokens,
      prompt: 'PROMPT',
    });
  } finally {
    s.close();
  }
});

test('chat endpoint: one user message; server errors are retried', async () => {
  const s = await fakeServer([
    { status: 503, body: { error: 'loading' } },
    { status: 200, body: { choices: [{ message: { content: '```python\nx\n```' } }] } },
  ]);
  try {
    const m = openAIModel({
      baseUrl: s.baseUrl,
      model: 'chat',
      endpoint: 'chat',
      decoding: { maxTokens: 64 },
    });
    assert.equal(m.kind, 'chat');
    assert.equal(await m.complete('Q', example), '```python\nx\n```');
    assert.equal(s.seen.length, 2);
    assert.equal(s.seen[1].url, '/v1/chat/completions');
    assert.deepEqual(s.seen[1].body.messages, [{ role: 'user', content: 'Q' }]);
    assert.equal(s.seen[1].body.max_tokens, 64);
    assert.equal(s.seen[1].auth, undefined);
  } finally {
    s.close();
  }
});

test('a client error or a malformed answer is a FrugalError naming the URL', async () => {
  const s = await fakeServer([
    { status: 404, body: { error: 'model not found' } },
    { status: 200, body: { choices: [] } },
  ]);
  try {
    const m = openAIModel({ baseUrl: s.baseUrl, model: 'nope', endpoint: 'completions', retries: 0 });
    await assert.rejects(
      m.complete('P', example),
      (e: unknown) => isFrugalError(e, 'E_IO') && /404/.test(e.message),
    );
    await assert.rejects(
      m.complete('P', example),
      (e: unknown) => isFrugalError(e, 'E_IO') && /choices/.test(e.message),
    );
  } finally {
    s.close();
  }
});
