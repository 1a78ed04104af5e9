import { FrugalError } from '../core/errors.js';
import type { SafimExample } from './safim-data.js';

/** Something that answers a prompt for an example. Reference models read the example instead. */
export interface CompletionModel {
  readonly name: string;
  /** `reference` answers are final; `completion` and `chat` answers are post-processed. */
  readonly kind: 'reference' | 'completion' | 'chat';
  complete(prompt: string, example: SafimExample): Promise<string>;
}

/** The paper's decoding: nucleus sampling at temperature 0.2, top-p 0.95, 128 new tokens. */
export interface DecodingSettings {
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Extra stop strings for completion endpoints. */
  stop?: string[];
}

export const PAPER_DECODING: DecodingSettings = { temperature: 0.2, topP: 0.95, maxTokens: 128 };

/** Answers with the ground truth: every split must then pass, which checks data, tests and sandbox. */
export const groundTruthModel: CompletionModel = {
  name: 'ground-truth',
  kind: 'reference',
  complete: async (_prompt, example) => example.groundTruth,
};

/** Answers nothing: the floor every real model must beat. */
export const emptyModel: CompletionModel = { name: 'empty', kind: 'reference', complete: async () => '' };

export interface OpenAIModelOptions {
  /** Server root up to and including `/v1`, e.g. http://localhost:8000/v1 (vLLM, llama.cpp). */
  baseUrl: string;
  model: string;
  endpoint: 'completions' | 'chat';
  apiKey?: string;
  decoding?: Partial<DecodingSettings>;
  /** Per-request timeout. */
  timeoutMs?: number;
  retries?: number;
}

/** A model behind an OpenAI-compatible `/completions` or `/chat/completions` endpoint. */
export function openAIModel(options: OpenAIModelOptions): CompletionModel {
  const decoding = { ...PAPER_DECODING, ...options.decoding };
  const base = options.baseUrl.replace(/\/+$/, '');
  const url = `${base}/${options.endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const retries = options.retries ?? 3;
  return {
    name: options.model,
    kind: options.endpoint === 'chat' ? 'chat' : 'completion',
    async complete(prompt) {
      const sampling = {
        model: options.model,
        temperature: decoding.temperature,
        top_p: decoding.topP,
        max_tokens: decoding.maxTokens,
        ...(decoding.stop && decoding.stop.length > 0 ? { stop: decoding.stop } : {}),
      };
      const body =
        options.endpoint === 'chat'
          ? { ...sampling, messages: [{ role: 'user', content: prompt }] }
          : { ...sampling, prompt };
      for (let attempt = 0; ; attempt++) {
        let res: Response;
        try {
          res = await fetch(url, {
            method: 'POST',
            headers,
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
          });
        } catch (e) {
          if (attempt < retries) {
            await sleep(500 * 2 ** attempt);
            continue;
          }
          throw new FrugalError('E_IO', `cannot reach ${url}`, {
            hint: 'check --base-url and that the server is running',
            cause: e,
          });
        }
        if ((res.status === 429 || res.status >= 500) && attempt < retries) {
          await sleep(500 * 2 ** attempt);
          continue;
        }
        const text = await res.text();
        if (!res.ok)
          throw new FrugalError('E_IO', `${url} answered ${res.status}: ${text.slice(0, 300)}`, {
            hint: res.status === 401 ? 'set the API key variable named by --api-key-env' : 'check --model',
          });
        return readAnswer(text, url, options.endpoint);
      }
    },
  };
}

function readAnswer(text: string, url: string, endpoint: 'completions' | 'chat'): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FrugalError('E_IO', `${url} did not answer JSON`, { cause: e });
  }
  const choice = (json as { choices?: { text?: unknown; message?: { content?: unknown } }[] }).choices?.[0];
  const answer = endpoint === 'chat' ? choice?.message?.content : choice?.text;
  if (typeof answer !== 'string')
    throw new FrugalError(
      'E_IO',
      `${url} answered without choices[0].${endpoint === 'chat' ? 'message.content' : 'text'}`,
      {
        field: 'choices',
      },
    );
  return answer;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
