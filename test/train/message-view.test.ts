import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFrugalError } from '../../src/core/errors.js';
import { parseMessage } from '../../src/data/spam-assassin.js';
import { MESSAGE_VIEWS, type MessageView, messageView } from '../../src/train/tasks/message-view.js';

const MAIL = [
  'From spammer@example.com  Mon Jun 24 17:03:24 2002',
  'Return-Path: <bounce@example.com>',
  'Received: from a.example.com by b.example.com;',
  '    Mon, 13 May 2002 04:46:12 +0100',
  'Received: from c.example.com by d.example.com',
  'From: "Deals" <deals@example.com>',
  'To: you@example.org',
  'Subject: Free money,',
  '\tact now',
  'X-Mailer: Bulk Mailer 2.0',
  'Content-Type: text/html',
  '',
  '<html>Buy now!</html>',
  '',
  'Second paragraph.',
].join('\r\n');

describe('parseMessage', () => {
  it('unfolds continuation lines, keeps the first of repeated fields and cuts the body at the blank line', () => {
    const { headers, body } = parseMessage(MAIL);
    assert.equal(headers.get('subject'), 'Free money, act now');
    assert.equal(
      headers.get('received'),
      'from a.example.com by b.example.com; Mon, 13 May 2002 04:46:12 +0100',
    );
    assert.equal(headers.get('from'), '"Deals" <deals@example.com>');
    assert.equal(headers.has('from spammer@example.com  mon jun 24 17'), false);
    assert.equal(body, '<html>Buy now!</html>\n\nSecond paragraph.');
  });

  it('reads a message without a blank line as headers only', () => {
    const { headers, body } = parseMessage('Subject: hi\nFrom: a@b');
    assert.equal(headers.get('from'), 'a@b');
    assert.equal(body, '');
  });
});

describe('messageView', () => {
  it('raw is the message as stored; the others drop the routing lines and keep the body', () => {
    assert.equal(messageView(MAIL, 'raw'), MAIL);
    assert.equal(
      messageView(MAIL, 'subject-body'),
      'Subject: Free money, act now\nFrom: "Deals" <deals@example.com>\n\n<html>Buy now!</html>\n\nSecond paragraph.',
    );
    const full = messageView(MAIL, 'headers-body');
    assert.match(
      full,
      /^From: .*\nTo: you@example.org\nSubject: .*\nX-Mailer: Bulk Mailer 2.0\nContent-Type: text\/html\n\n<html>/,
    );
    for (const view of MESSAGE_VIEWS.filter((v) => v !== 'raw'))
      assert.doesNotMatch(messageView(MAIL, view), /Received|Return-Path/);
  });

  it('names the valid views when given another', () => {
    assert.throws(
      () => messageView(MAIL, 'body' as MessageView),
      (e) => isFrugalError(e, 'E_ARG') && /raw, subject-body, headers-body/.test(e.message),
    );
  });
});
