import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import { HERALD_CONFIG, type HeraldConfig } from '../../../config/herald-config.js';
import { findIdempotentReplay } from '../../../domain/recipient/decide.js';
import type { NotificationDecisionEvent } from '../../../domain/recipient/events.js';
import { contextMetadata } from '../../auth/request-context.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { TemplateStore } from '../../templates/template-store.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../../recipients/recipient-actors.js';
import { canonicalJson } from '../canonical-json.js';
import { requestContent } from '../request-content.js';
import type { SendNotificationDto } from '../dto/send-notification.dto.js';
import { SendNotificationCommand, type NotificationReceipt } from './send-notification.command.js';

/** A sendAt that is not in the future means now: the notification is sent at once, as if unscheduled. */
function scheduledAt(sendAt: SendNotificationDto['sendAt'] | null, now: number): number | null {
  if (typeof sendAt !== 'string') return null;
  const at = Date.parse(sendAt);
  return at > now ? at : null;
}

/** Hands the request to the user's actor; answers once the decision is durably in the log. */
@CommandHandler(SendNotificationCommand)
export class SendNotificationHandler implements ICommandHandler<SendNotificationCommand> {
  constructor(
    @Inject(RECIPIENT_ACTORS) private readonly actors: RecipientActors,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly templates: TemplateStore,
    private readonly metrics: MetricsService,
  ) {}

  async execute(command: SendNotificationCommand): Promise<NotificationReceipt> {
    const receipt = await this.decide(command);
    this.metrics.decisions.inc({ outcome: receipt.duplicate ? 'duplicate' : receipt.status });
    return receipt;
  }

  private async decide({ request, context }: SendNotificationCommand): Promise<NotificationReceipt> {
    const now = Date.now();
    const { content, channels } = await requestContent(this.templates, request);
    const idempotencyKey = request.idempotencyKey ?? null;
    const { events, state } = await this.actors.execute(
      request.userId,
      {
        type: 'RequestNotification',
        userId: request.userId,
        notificationId: randomUUID(),
        category: request.category,
        channels,
        content,
        contentHash: createHash('sha256').update(canonicalJson({ category: request.category, content })).digest('base64url'),
        priority: request.priority ?? 'normal',
        sendAt: scheduledAt(request.sendAt, now),
        // The recipient's zone is in their state: the decision turns a local time into an instant.
        ...(typeof request.sendAt === 'object' && request.sendAt !== null
          ? { localSendAt: { localTime: request.sendAt.localTime, ...(request.sendAt.date !== undefined ? { date: request.sendAt.date } : {}) } }
          : {}),
        idempotencyKey,
        now,
      },
      contextMetadata(context),
    );
    // A digest may be flushed or opened around the decision: the decision is the event about this notification.
    const decision = events.find((e): e is NotificationDecisionEvent => e.type === 'NotificationRequested' || e.type === 'NotificationSuppressed');
    if (!decision) {
      const original = findIdempotentReplay(this.config.policy, state, idempotencyKey, now)!;
      return {
        notificationId: original.notificationId,
        status: original.status,
        duplicate: true,
        deliveries: original.deliveries,
        suppressed: original.suppressed,
        ...(original.digested ? { digested: original.digested } : {}),
      };
    }
    const deliveries = decision.type === 'NotificationRequested' ? decision.data.deliveries.map(({ deliveryId, channel, queue }) => ({ deliveryId, channel, queue })) : [];
    return {
      notificationId: decision.data.notificationId,
      status: decision.type === 'NotificationRequested' ? 'accepted' : 'suppressed',
      duplicate: false,
      deliveries,
      suppressed: decision.data.suppressed,
      ...(decision.data.digested ? { digested: decision.data.digested } : {}),
    };
  }
}
