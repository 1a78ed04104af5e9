import { FrugalError } from '../../core/errors.js';
import { parseMessage } from '../../data/spam-assassin.js';

/**
 * Which part of a raw message the classifier's seqLen window covers. `raw` is the message as stored,
 * so a short window sees mostly Received/Return-Path routing lines. `subject-body` keeps the
 * Subject and From lines and then the body. `headers-body` keeps the fields a reader (or a filter)
 * looks at first (From, To, Subject, X-Mailer, Content-Type) and then the body.
 */
export const MESSAGE_VIEWS = ['raw', 'subject-body', 'headers-body'] as const;
export type MessageView = (typeof MESSAGE_VIEWS)[number];

const FIELDS: Record<Exclude<MessageView, 'raw'>, readonly string[]> = {
  'subject-body': ['subject', 'from'],
  'headers-body': ['from', 'to', 'subject', 'x-mailer', 'content-type'],
};

// Header field names as they are written in mail, so the tokenizer sees familiar "Subject:" tokens.
const DISPLAY: Record<string, string> = {
  from: 'From',
  to: 'To',
  subject: 'Subject',
  'x-mailer': 'X-Mailer',
  'content-type': 'Content-Type',
};

/** The text a classifier reads for one message under `view`. */
export function messageView(text: string, view: MessageView): string {
  if (view === 'raw') return text;
  const fields = FIELDS[view];
  if (fields === undefined)
    throw new FrugalError('E_ARG', `unknown message view ${JSON.stringify(view)}`, {
      op: 'messageView',
      field: 'view',
      hint: `use one of ${MESSAGE_VIEWS.join(', ')}`,
    });
  const { headers, body } = parseMessage(text);
  const lines = fields.flatMap((f) => {
    const v = headers.get(f);
    return v === undefined ? [] : [`${DISPLAY[f]}: ${v}`];
  });
  return `${lines.join('\n')}\n\n${body}`;
}
