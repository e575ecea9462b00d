import { isE164 } from '../recipient/values.js';
import { DomainError, type Decider } from '../shared/decider.js';
import { keysOf } from '../shared/keys-of.js';
import { smsKeywordOf, type SmsKeyword, type SmsKeywordAction } from './keywords.js';

/**
 * The SMS a phone sent to one of Herald's numbers, one stream per phone (`inboundsms-{digits}`,
 * the E.164 number without its plus):
 * it records each message once, however often the provider delivers it, and knows which message
 * is the phone's latest, so a late retry of an older STOP cannot undo a START sent after it.
 */
export type InboundSmsEvent = {
  type: 'InboundSmsReceived';
  data: {
    /** The provider's id of the message. */
    messageId: string;
    /** The phone that sent it, E.164. */
    phone: string;
    /** The number it was sent to. */
    to: string;
    text: string;
    keyword: SmsKeyword | null;
    action: SmsKeywordAction;
    /** The users whose profile held this phone when the message arrived. */
    userIds: string[];
    /** When the provider received it, as the provider says; null when it did not say. */
    sentAt: string | null;
    receivedAt: string;
  };
};

export type InboundSmsCommand = {
  type: 'ReceiveInboundSms';
  messageId: string;
  phone: string;
  to: string;
  text: string;
  userIds: string[];
  sentAt: string | null;
  now: number;
};

export interface InboundSmsState {
  /** The newest message ids, newest last: a provider retries for a day, a phone sends far fewer. */
  recentMessageIds: string[];
  latest: { messageId: string; action: SmsKeywordAction } | null;
}

/** How many message ids a phone's stream remembers for recognising a retry. */
export const INBOUND_SMS_REMEMBERED = 200;

export const inboundSmsStream = (phone: string): string => `inboundsms-${phone.replace(/^\+/, '')}`;

export const inboundSmsDecider: Decider<InboundSmsCommand, InboundSmsState, InboundSmsEvent> = {
  initialState: () => ({ recentMessageIds: [], latest: null }),
  decide(command, state) {
    if (!isE164(command.phone)) throw new DomainError('invalid_argument', 'the sender is not a phone number in E.164 format', 'msisdn');
    if (state.recentMessageIds.includes(command.messageId)) return [];
    const { keyword, action } = smsKeywordOf(command.text);
    return [
      {
        type: 'InboundSmsReceived',
        data: {
          messageId: command.messageId,
          phone: command.phone,
          to: command.to,
          text: command.text,
          keyword,
          action,
          userIds: command.userIds,
          sentAt: command.sentAt,
          receivedAt: new Date(command.now).toISOString(),
        },
      },
    ];
  },
  evolve(state, event) {
    const { messageId, action } = event.data;
    return { recentMessageIds: [...state.recentMessageIds, messageId].slice(-INBOUND_SMS_REMEMBERED), latest: { messageId, action } };
  },
};

export const INBOUND_SMS_EVENT_TYPES = keysOf({ InboundSmsReceived: true } satisfies Record<InboundSmsEvent['type'], true>);
