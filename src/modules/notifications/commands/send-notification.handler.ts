import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import { HERALD_CONFIG, type HeraldConfig } from '../../../config/herald-config.js';
import { findIdempotentReplay } from '../../../domain/recipient/decide.js';
import type { NotificationContent } from '../../../domain/recipient/events.js';
import { RECIPIENT_ACTORS, contextMetadata, type RecipientActors } from '../../recipients/recipient-actors.js';
import { canonicalJson } from '../canonical-json.js';
import type { SendNotificationDto } from '../dto/send-notification.dto.js';
import { SendNotificationCommand, type NotificationReceipt } from './send-notification.command.js';

function contentOf(dto: SendNotificationDto): NotificationContent {
  if (dto.template) return { kind: 'template', templateId: dto.template.id, params: dto.template.params ?? {} };
  const { title, body, subject, text, html, data } = dto.content!;
  return JSON.parse(JSON.stringify({ kind: 'inline', title, body, subject, text, html, data })) as NotificationContent;
}

/** Hands the request to the user's actor; answers once the decision is durably in the log. */
@CommandHandler(SendNotificationCommand)
export class SendNotificationHandler implements ICommandHandler<SendNotificationCommand> {
  constructor(
    @Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  async execute({ request, context }: SendNotificationCommand): Promise<NotificationReceipt> {
    const now = Date.now();
    const content = contentOf(request);
    const idempotencyKey = request.idempotencyKey ?? null;
    const { events, state } = await this.actors.execute(
      request.userId,
      {
        type: 'RequestNotification',
        userId: request.userId,
        notificationId: randomUUID(),
        category: request.category,
        channels: request.channels ?? null,
        content,
        contentHash: createHash('sha256').update(canonicalJson({ category: request.category, content })).digest('base64url'),
        priority: request.priority ?? 'normal',
        sendAt: request.sendAt ? Date.parse(request.sendAt) : null,
        idempotencyKey,
        now,
      },
      contextMetadata(context),
    );
    const decision = events[0];
    if (!decision) {
      const original = findIdempotentReplay(this.config.policy, state, idempotencyKey, now)!;
      return { notificationId: original.notificationId, status: original.status, duplicate: true, deliveries: original.deliveries, suppressed: original.suppressed };
    }
    if (decision.type !== 'NotificationRequested' && decision.type !== 'NotificationSuppressed') throw new Error(`unexpected decision ${decision.type}`);
    const deliveries = decision.type === 'NotificationRequested' ? decision.data.deliveries.map(({ deliveryId, channel, queue }) => ({ deliveryId, channel, queue })) : [];
    return {
      notificationId: decision.data.notificationId,
      status: decision.type === 'NotificationRequested' ? 'accepted' : 'suppressed',
      duplicate: false,
      deliveries,
      suppressed: decision.data.suppressed,
    };
  }
}
