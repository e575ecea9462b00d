import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SMS_KEYWORDS, smsKeywordOf } from '../../src/domain/inbound-sms/keywords.js';

describe('SMS keywords', () => {
  it('the opt-out words opt out, START and UNSTOP opt in, HELP asks for help', () => {
    const byAction = (action: string) => Object.entries(SMS_KEYWORDS).filter(([, a]) => a === action).map(([k]) => k).sort();
    assert.deepEqual(byAction('opt_out'), ['CANCEL', 'END', 'OPTOUT', 'QUIT', 'REVOKE', 'STOP', 'STOPALL', 'UNSUBSCRIBE']);
    assert.deepEqual(byAction('opt_in'), ['START', 'UNSTOP']);
    assert.deepEqual(byAction('help'), ['HELP']);
    for (const [keyword, action] of Object.entries(SMS_KEYWORDS)) assert.deepEqual(smsKeywordOf(keyword), { keyword, action });
  });

  it('in any case, with whitespace around it', () => {
    for (const text of ['stop', 'Stop', ' STOP ', '\tsToP\n', 'stop\r\n']) assert.deepEqual(smsKeywordOf(text), { keyword: 'STOP', action: 'opt_out' }, JSON.stringify(text));
    assert.deepEqual(smsKeywordOf(' unstop '), { keyword: 'UNSTOP', action: 'opt_in' });
    assert.deepEqual(smsKeywordOf('help'), { keyword: 'HELP', action: 'help' });
  });

  it('anything else is no keyword: a sentence, a word inside another, an empty message, an inherited property name', () => {
    for (const text of ['stop sending me offers', 'please stop', 'STOPP', 'S TOP', 'ST0P', '', '   ', 'constructor', 'toString', '__proto__', 'hello']) {
      assert.deepEqual(smsKeywordOf(text), { keyword: null, action: 'none' }, JSON.stringify(text));
    }
  });
});
