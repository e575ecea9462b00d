import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { smsKeywordOf } from '../../../domain/inbound-sms/keywords.js';
import { DomainError } from '../../../domain/shared/decider.js';
import { SetChannelCommand } from '../../recipients/commands/set-channel.command.js';
import { FindUsersByPhoneQuery } from '../../recipients/queries/find-users-by-phone.query.js';
import { INBOUND_SMS_ACTORS, type InboundSmsActors } from '../inbound-sms-actors.js';
import { ReceiveInboundSmsCommand, type InboundSmsResult } from './receive-inbound-sms.command.js';

/**
 * Records the message on its phone's stream, then applies what it asks to every user with that
 * phone: STOP and its kin switch their SMS off, START and UNSTOP back on, each change caused by
 * the message. Only the phone's latest message is applied, and applying is idempotent, so a
 * provider's retry (after an answer it did not get, or a crash between recording and applying)
 * finishes the job without changing anything twice, and a late retry of an older STOP cannot
 * undo a START sent after it. Messages from one phone are handled one at a time in a process.
 */
@CommandHandler(ReceiveInboundSmsCommand)
export class ReceiveInboundSmsHandler implements ICommandHandler<ReceiveInboundSmsCommand> {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(INBOUND_SMS_ACTORS) private readonly actors: InboundSmsActors,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  execute(command: ReceiveInboundSmsCommand): Promise<InboundSmsResult> {
    const phone = command.message.phone;
    const run = (this.inFlight.get(phone) ?? Promise.resolve()).catch(() => undefined).then(() => this.receive(command));
    this.inFlight.set(phone, run);
    return run.finally(() => {
      if (this.inFlight.get(phone) === run) this.inFlight.delete(phone);
    });
  }

  private async receive({ message, metadata }: ReceiveInboundSmsCommand): Promise<InboundSmsResult> {
    const userIds = await this.queries.execute(new FindUsersByPhoneQuery(message.phone));
    const { events, state } = await this.actors.execute(message.phone, { type: 'ReceiveInboundSms', ...message, userIds, now: Date.now() }, { ...metadata, causationId: message.messageId });
    const { keyword, action } = smsKeywordOf(message.text);
    let changed = 0;
    if (state.latest?.messageId === message.messageId && (action === 'opt_out' || action === 'opt_in')) {
      const because = { ...metadata, causationId: message.messageId, source: 'sms-keyword', keyword };
      for (const userId of userIds) if (await this.setSms(userId, action === 'opt_in', because)) changed += 1;
    }
    return { messageId: message.messageId, keyword, action, replay: events.length === 0, recipients: userIds.length, changed };
  }

  private async setSms(userId: string, enabled: boolean, metadata: SetChannelCommand['metadata']): Promise<boolean> {
    try {
      return await this.commands.execute(new SetChannelCommand(userId, 'sms', enabled, metadata));
    } catch (error) {
      // The read model named a user whose stream has no profile (it cannot happen while users are only ever created): nothing to switch.
      if (error instanceof DomainError && error.code === 'not_found') return false;
      throw error;
    }
  }
}
