import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ReceiveInboundSmsHandler } from './commands/receive-inbound-sms.handler.js';
import { inboundSmsActorProviders } from './inbound-sms-actors.js';
import { InboundSmsController } from './inbound-sms.controller.js';

/** SMS the phones Herald texts send back: the opt-out and opt-in keywords, through Vonage's inbound webhook. */
@Module({
  imports: [CqrsModule],
  controllers: [InboundSmsController],
  providers: [...inboundSmsActorProviders, ReceiveInboundSmsHandler],
})
export class InboundSmsModule {}
