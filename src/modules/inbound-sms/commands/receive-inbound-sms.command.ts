import { Command } from '@nestjs/cqrs';
import type { SmsKeyword, SmsKeywordAction } from '../../../domain/inbound-sms/keywords.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';

export interface InboundSmsResult {
  messageId: string;
  keyword: SmsKeyword | null;
  action: SmsKeywordAction;
  /** This message id was received before: recorded once, applied at most once more (see the handler). */
  replay: boolean;
  /** Users whose profile holds the sending phone. */
  recipients: number;
  /** Users whose preferences this message changed. */
  changed: number;
}

/** An SMS a phone sent to Herald's number, as the provider delivered it (already verified as the provider's). */
export class ReceiveInboundSmsCommand extends Command<InboundSmsResult> {
  constructor(
    readonly message: { messageId: string; phone: string; to: string; text: string; sentAt: string | null },
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
