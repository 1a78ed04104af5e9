/**
 * An OpenAI-compatible streaming server that emulates one GPU: requests join a {@link BatchEngine}
 * that runs in wall time (each iteration's duration comes from the service model, divided by
 * `speedup`), and every generated token is streamed as an SSE `data:` chunk. It lets
 * `frugal plan profile` be tried, and tested, without a GPU. One prompt word counts as one token;
 * the emulator always generates exactly `max_tokens` tokens (as vLLM does with `ignore_eos`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BatchEngine, type EngineRequest, newRequest } from './batch-engine.js';
import type { ServiceModel } from './service-model.js';

export interface EmulatorOptions {
  model: ServiceModel;
  modelName?: string;
  /** Emulated seconds per wall-clock second. */
  speedup?: number;
  port?: number;
  host?: string;
}

export interface EmulatorServer {
  url: string;
  close(): Promise<void>;
}

interface Stream {
  res: ServerResponse;
  chat: boolean;
  id: string;
}

export async function startEmulator(opts: EmulatorOptions): Promise<EmulatorServer> {
  const speedup = opts.speedup ?? 1;
  const modelName = opts.modelName ?? 'emulated';
  const engine = new BatchEngine(opts.model);
  const streams = new Map<EngineRequest, Stream>();
  const t0 = performance.now();
  const clock = () => ((performance.now() - t0) / 1000) * speedup;
  let running = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let nextId = 0;

  const loop = () => {
    const res = closed ? null : engine.step(clock());
    if (!res) {
      running = false;
      return;
    }
    timer = setTimeout(
      () => {
        for (const r of res.tokens) {
          const s = streams.get(r);
          if (s) sendChunk(s, modelName, 'tok ', null);
        }
        for (const r of res.finished) {
          const s = streams.get(r);
          if (!s) continue;
          sendChunk(s, modelName, '', 'length');
          s.res.end('data: [DONE]\n\n');
          streams.delete(r);
        }
        loop();
      },
      (res.duration * 1000) / speedup,
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: (e as Error).message } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: modelName, object: 'model' }] }));
      return;
    }
    const chat = req.url === '/v1/chat/completions';
    if (req.method !== 'POST' || (!chat && req.url !== '/v1/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const body = JSON.parse(await readBody(req)) as {
      prompt?: string;
      messages?: { content: string }[];
      max_tokens?: number;
      stream?: boolean;
    };
    const text = chat ? (body.messages ?? []).map((m) => m.content).join(' ') : (body.prompt ?? '');
    const input = Math.max(1, text.split(/\s+/).filter(Boolean).length);
    const output = Math.max(1, body.max_tokens ?? 16);
    if (!body.stream) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'the emulator only serves stream: true' } }));
      return;
    }
    const r = newRequest(nextId++, clock(), input, output);
    engine.submit(r);
    if (r.rejected) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: `request of ${input + output} tokens exceeds the KV cache` } }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    streams.set(r, { res, chat, id: `cmpl-${r.id}` });
    if (!running) {
      running = true;
      loop();
    }
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        clearTimeout(timer);
        for (const s of streams.values()) s.res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendChunk(s: Stream, model: string, text: string, finish: string | null): void {
  const choice = s.chat
    ? { index: 0, delta: text ? { content: text } : {}, finish_reason: finish }
    : { index: 0, text, finish_reason: finish };
  const chunk = {
    id: s.id,
    object: s.chat ? 'chat.completion.chunk' : 'text_completion',
    model,
    choices: [choice],
  };
  s.res.write(`data: ${JSON.stringify(chunk)}\n\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
