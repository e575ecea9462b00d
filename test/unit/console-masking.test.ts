import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskContactData } from '../../src/modules/console/console-masking.js';
import { maskEmail, maskPhone, maskToken } from '../../src/modules/recipients/masking.js';

describe('masking contact data for the console', () => {
  it('shows enough of an address, a number or a token to recognise it, not to use it', () => {
    assert.equal(maskEmail('ada.lovelace@example.com'), 'a…@example.com');
    assert.equal(maskPhone('+447700900123'), '+44…23');
    assert.equal(maskToken('a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5'), 'a0b1c2…c4d5');
    assert.equal(maskToken('https://fcm.googleapis.com/fcm/send/abcdef123456'), 'https://fcm.googleapis.com…3456');
    assert.equal(maskEmail('not an address'), '****');
  });

  it('masks by field name anywhere in an answer, contact data inside other text by its shape, and hides web push keys', () => {
    const masked = maskContactData({
      userId: 'ada@example.com',
      target: { channel: 'email', email: 'ada@example.com' },
      events: [{ data: { phone: '+447700900123', token: 'a'.repeat(64), keys: { p256dh: 'x', auth: 'y' } } }],
      errors: ['550 mailbox ada@example.com unavailable', 'number +447700900123 unreachable'],
      devices: [{ token: 'aaaaaa…aaaa' }],
      count: 3,
      nothing: null,
    });
    assert.deepEqual(masked, {
      userId: 'ada@example.com',
      target: { channel: 'email', email: 'a…@example.com' },
      events: [{ data: { phone: '+44…23', token: 'aaaaaa…aaaa', keys: '[hidden]' } }],
      errors: ['550 mailbox a…@example.com unavailable', 'number +44…23 unreachable'],
      devices: [{ token: 'aaaaaa…aaaa' }],
      count: 3,
      nothing: null,
    });
  });
});
