import { ApiProperty } from '@nestjs/swagger';
import { CHANNEL_QUEUES } from '../queues/queue.port.js';

export class OutboxEntryDto {
  @ApiProperty({ type: 'integer', description: 'position in the outbox: page with ?after=' }) seq: number;
  @ApiProperty({ description: 'the sandbox’s message id (what a provider’s message id would be)', example: 'sandbox-9b1c2d3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e' }) id: string;
  @ApiProperty({ enum: CHANNEL_QUEUES }) queue: string;
  @ApiProperty({ example: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e.1' }) deliveryId: string;
  @ApiProperty({ description: 'the notification id (a digest’s delivery: the digest id)', example: '0b7c6f3e-4a1d-4c2e-9f8a-2d5e6b7c8d9e' }) notificationId: string;
  @ApiProperty({ example: 'user-42' }) userId: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'where it would have gone: a device and its token, a phone number or an email address' }) target: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'what would have been sent: the rendered title, body, subject, text, html and data' }) message: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
}

export class OutboxPageDto {
  @ApiProperty({ type: [OutboxEntryDto] }) entries: OutboxEntryDto[];
  @ApiProperty({ type: 'integer', description: 'pass as ?after= for the next page' }) next: number;
}
