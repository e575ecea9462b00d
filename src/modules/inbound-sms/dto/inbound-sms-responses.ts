import { ApiProperty, type SchemaObject } from '@nestjs/swagger';
import { SMS_KEYWORDS } from '../../../domain/inbound-sms/keywords.js';
import type { InboundSmsResult } from '../commands/receive-inbound-sms.command.js';

export class InboundSmsResultDto implements InboundSmsResult {
  @ApiProperty({ example: '0A0000001234567B', description: 'Vonage’s id of the message' }) messageId: string;
  @ApiProperty({ type: String, nullable: true, enum: Object.keys(SMS_KEYWORDS), description: 'the keyword the message is (its whole text, in any case); null for any other text' })
  keyword: InboundSmsResult['keyword'];
  @ApiProperty({ enum: ['opt_out', 'opt_in', 'help', 'none'], description: 'opt_out: SMS off for every user with this phone; opt_in: back on; help and none change nothing' })
  action: InboundSmsResult['action'];
  @ApiProperty({ description: 'this message id was received before: it is not recorded again, and changes nothing a second time' }) replay: boolean;
  @ApiProperty({ type: 'integer', description: 'users whose profile holds the sending phone' }) recipients: number;
  @ApiProperty({ type: 'integer', description: 'users whose preferences this message changed (0 for a replay, or when they already were as asked)' }) changed: number;
}

/** The fields of Vonage's SMS API inbound-message webhook (as JSON, a form or a query string): all strings. */
export const VONAGE_INBOUND_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['msisdn', 'to', 'messageId', 'timestamp', 'nonce', 'sig'],
  properties: {
    msisdn: { type: 'string', description: 'the sender, E.164 without the plus', example: '447700900123' },
    to: { type: 'string', description: 'your Vonage number it was sent to', example: '447700900000' },
    messageId: { type: 'string', example: '0A0000001234567B' },
    text: { type: 'string', example: 'STOP' },
    type: { type: 'string', enum: ['text', 'unicode', 'binary'] },
    keyword: { type: 'string', description: 'the first word, upper-cased, as Vonage sends it (Herald reads the whole text)', example: 'STOP' },
    'api-key': { type: 'string' },
    'message-timestamp': { type: 'string', description: 'when Vonage received it, UTC, YYYY-MM-DD HH:MM:SS', example: '2026-01-01 10:00:00' },
    timestamp: { type: 'string', description: 'Unix seconds when Vonage sent the webhook: refused beyond 5 minutes from Herald’s clock', example: '1767261600' },
    nonce: { type: 'string', example: 'a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d' },
    sig: { type: 'string', description: 'the signature, by VONAGE_SIGNATURE_METHOD with VONAGE_SIGNATURE_SECRET' },
  },
  additionalProperties: { type: 'string' },
};
