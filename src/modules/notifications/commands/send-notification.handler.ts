import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import { HERALD_CONFIG, type HeraldConfig } from '../../../config/herald-config.js';
import { findIdempotentReplay } from '../../../domain/recipient/decide.js';
import type { NotificationContent, NotificationDecisionEvent } from '../../../domain/recipient/events.js';
import { CHANNELS, type Channel } from '../../../domain/recipient/values.js';
import { contextMetadata } from '../../auth/request-context.js';
import { validationFailed } from '../../http/validation.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { variablesToGive } from '../../templates/template-renderer.js';
import { TemplateStore } from '../../templates/template-store.js';
import { RECIPIENT_ACTORS, type RecipientActors } from '../../recipients/recipient-actors.js';
import { canonicalJson } from '../canonical-json.js';
import type { SendNotificationDto } from '../dto/send-notification.dto.js';
import { SendNotificationCommand, type NotificationReceipt } from './send-notification.command.js';

function inlineContent(dto: SendNotificationDto): NotificationContent {
  const { title, body, subject, text, html, data, actionUrl } = dto.content!;
  const fields = Object.entries({ title, body, subject, text, html, data, actionUrl }).filter(([, v]) => v !== undefined && v !== null);
  return { kind: 'inline', ...Object.fromEntries(fields) } as NotificationContent;
}

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

  /** A template request is checked now, not at send time: it must exist and get every variable it reads. */
  private async templateContent(request: SendNotificationDto): Promise<{ content: NotificationContent; channels: Channel[] | null }> {
    const ref = request.template!;
    const template = await this.templates.get(ref.id);
    if (!template) throw validationFailed([{ field: 'template.id', messages: [`no template ${ref.id}`] }]);
    const params = ref.params ?? {};
    const missing = variablesToGive(template.variables).filter((v) => !Object.hasOwn(params, v));
    if (missing.length > 0) throw validationFailed([{ field: 'template.params', messages: [`missing variables: ${missing.join(', ')}`] }]);
    const available = CHANNELS.filter((c) => template.channels[c] && Object.keys(template.channels[c]!).length > 0);
    const unsupported = (request.channels ?? []).filter((c) => !available.includes(c));
    if (unsupported.length > 0) throw validationFailed([{ field: 'channels', messages: [`template ${ref.id} has no content for: ${unsupported.join(', ')}`] }]);
    return {
      content: { kind: 'template', templateId: template.templateId, version: template.version, params },
      channels: request.channels ?? available,
    };
  }

  async execute(command: SendNotificationCommand): Promise<NotificationReceipt> {
    const receipt = await this.decide(command);
    this.metrics.decisions.inc({ outcome: receipt.duplicate ? 'duplicate' : receipt.status });
    return receipt;
  }

  private async decide({ request, context }: SendNotificationCommand): Promise<NotificationReceipt> {
    const now = Date.now();
    const { content, channels } = request.template ? await this.templateContent(request) : { content: inlineContent(request), channels: request.channels ?? null };
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
