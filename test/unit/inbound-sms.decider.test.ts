import { describe, it } from 'node:test';
import { INBOUND_SMS_REMEMBERED, inboundSmsDecider, type InboundSmsCommand, type InboundSmsEvent } from '../../src/domain/inbound-sms/inbound-sms.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';
import assert from 'node:assert/strict';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const spec = deciderSpec(inboundSmsDecider);

const receive = (messageId: string, text: string, overrides: Partial<InboundSmsCommand> = {}): InboundSmsCommand => ({
  type: 'ReceiveInboundSms',
  messageId,
  phone: '+447700900123',
  to: '447700900000',
  text,
  userIds: ['ada', 'bob'],
  sentAt: '2026-01-01T09:59:58.000Z',
  now: T0,
  ...overrides,
});

const received = (messageId: string, text: string, keyword: string | null, action: string, overrides: Partial<InboundSmsEvent['data']> = {}): InboundSmsEvent => ({
  type: 'InboundSmsReceived',
  data: {
    messageId,
    phone: '+447700900123',
    to: '447700900000',
    text,
    keyword,
    action,
    userIds: ['ada', 'bob'],
    sentAt: '2026-01-01T09:59:58.000Z',
    receivedAt: new Date(T0).toISOString(),
    ...overrides,
  } as InboundSmsEvent['data'],
});

describe('inbound SMS decider', () => {
  it('records a STOP with its keyword, what it asks and the users the phone belongs to', () =>
    spec.given([]).when(receive('m1', ' stop ')).then([received('m1', ' stop ', 'STOP', 'opt_out')]));

  it('records START, HELP and any other text the same way, each with its action', () => {
    spec.given([]).when(receive('m1', 'Unstop')).then([received('m1', 'Unstop', 'UNSTOP', 'opt_in')]);
    spec.given([]).when(receive('m1', 'HELP')).then([received('m1', 'HELP', 'HELP', 'help')]);
    spec.given([]).when(receive('m1', 'where is my parcel?', { userIds: [] })).then([received('m1', 'where is my parcel?', null, 'none', { userIds: [] })]);
  });

  it('a message id already received records nothing: a provider retry is harmless', () =>
    spec.given([received('m1', 'STOP', 'STOP', 'opt_out'), received('m2', 'START', 'START', 'opt_in')]).when(receive('m1', 'STOP')).then([]));

  it('the latest message is the one received last, so a retry of an older one can be told from it', () => {
    const state = [received('m1', 'STOP', 'STOP', 'opt_out'), received('m2', 'START', 'START', 'opt_in')].reduce(inboundSmsDecider.evolve, inboundSmsDecider.initialState());
    assert.deepEqual(state.latest, { messageId: 'm2', action: 'opt_in' });
  });

  it('remembers a bounded number of message ids', () => {
    const events = Array.from({ length: INBOUND_SMS_REMEMBERED + 50 }, (_, i) => received(`m${i}`, 'hi', null, 'none'));
    const state = events.reduce(inboundSmsDecider.evolve, inboundSmsDecider.initialState());
    assert.equal(state.recentMessageIds.length, INBOUND_SMS_REMEMBERED);
    assert.equal(state.recentMessageIds.at(-1), `m${INBOUND_SMS_REMEMBERED + 49}`);
  });

  it('a sender that is not an E.164 phone is refused', () =>
    spec.given([]).when(receive('m1', 'STOP', { phone: '447700900123' })).thenThrows((e) => e instanceof DomainError && e.code === 'invalid_argument' && e.field === 'msisdn'));
});
