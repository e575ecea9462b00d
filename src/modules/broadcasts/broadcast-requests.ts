import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { stripProtoKeys } from '@nestjs/common';
import type { BroadcastAudience } from '../../domain/broadcast/broadcast.js';
import { contextMetadata, type RequestContext } from '../auth/request-context.js';
import { fieldErrors, validationFailed, VALIDATION_OPTIONS, type FieldError } from '../http/validation.js';
import { canonicalJson } from '../notifications/canonical-json.js';
import { crossFieldErrors } from '../notifications/dto/check-send.js';
import { requestContent } from '../notifications/request-content.js';
import { TemplateStore } from '../templates/template-store.js';
import { TopicMembership } from '../topics/topic-membership.js';
import { BROADCAST_ACTORS, type BroadcastActors } from './broadcast-actors.js';
import { derivedUuid } from './derived-id.js';
import { CreateBroadcastDto } from './dto/broadcast.dto.js';

function audienceOf(dto: CreateBroadcastDto): { audience?: BroadcastAudience; errors: FieldError[] } {
  const a = dto.audience ?? {};
  const given = [a.topic !== undefined && a.topic !== null, a.userIds !== undefined && a.userIds !== null, a.all === true].filter(Boolean).length;
  if (given !== 1) return { errors: [{ field: 'audience', messages: ['give exactly one of audience.topic, audience.userIds or audience.all'] }] };
  if (a.topic) return { audience: { kind: 'topic', topicKey: a.topic }, errors: [] };
  if (a.userIds) return { audience: { kind: 'users', userIds: [...new Set(a.userIds)] }, errors: [] };
  return { audience: { kind: 'all' }, errors: [] };
}

/**
 * Accepts a broadcast: every field checked (the topic exists, the template gets its params)
 * before anything is written, then one BroadcastRequested on its own stream, durable before the
 * answer. The fan-out takes it from there.
 */
@Injectable()
export class BroadcastRequests {
  constructor(
    @Inject(BROADCAST_ACTORS) private readonly broadcasts: BroadcastActors,
    private readonly templates: TemplateStore,
    private readonly topics: TopicMembership,
  ) {}

  async validate(body: unknown, now: number): Promise<{ dto: CreateBroadcastDto; audience: BroadcastAudience }> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationFailed([{ field: 'body', messages: ['the body must be a JSON object'] }]);
    stripProtoKeys(body);
    const dto = plainToInstance(CreateBroadcastDto, body);
    const errors = [...fieldErrors(await validate(dto, VALIDATION_OPTIONS)), ...crossFieldErrors(dto, now)];
    const { audience, errors: audienceErrors } = errors.some((e) => e.field.startsWith('audience')) || !dto.audience ? { errors: [] } : audienceOf(dto);
    errors.push(...audienceErrors);
    if (audience?.kind === 'topic' && !(await this.topics.exists(audience.topicKey))) errors.push({ field: 'audience.topic', messages: [`no topic ${audience.topicKey}`] });
    if (errors.length > 0 || !audience) throw validationFailed(errors.length > 0 ? errors : [{ field: 'audience', messages: ['audience is required'] }]);
    return { dto, audience };
  }

  async accept(body: unknown, context: RequestContext): Promise<{ broadcastId: string; duplicate: boolean }> {
    const now = Date.now();
    const { dto, audience } = await this.validate(body, now);
    const { content, channels } = await requestContent(this.templates, dto);
    // The same key from the same client names the same broadcast, so a retry finds the first one.
    const broadcastId = dto.idempotencyKey ? derivedUuid(`broadcast\n${context.appKey}\n${dto.idempotencyKey}`) : randomUUID();
    const sendAt = typeof dto.sendAt === 'string' && Date.parse(dto.sendAt) > now ? new Date(Date.parse(dto.sendAt)).toISOString() : null;
    const localSendAt =
      typeof dto.sendAt === 'object' && dto.sendAt !== null ? { localTime: dto.sendAt.localTime, ...(dto.sendAt.date !== undefined ? { date: dto.sendAt.date } : {}) } : undefined;
    const { events } = await this.broadcasts.execute(
      broadcastId,
      {
        type: 'RequestBroadcast',
        broadcastId,
        audience,
        category: dto.category,
        channels,
        content,
        contentHash: createHash('sha256').update(canonicalJson({ category: dto.category, content })).digest('base64url'),
        priority: dto.priority ?? 'normal',
        sendAt,
        ...(localSendAt ? { localSendAt } : {}),
        idempotencyKey: dto.idempotencyKey ?? null,
        now,
      },
      contextMetadata(context),
    );
    return { broadcastId, duplicate: events.length === 0 };
  }

  async cancel(broadcastId: string, context: RequestContext): Promise<{ broadcastId: string; status: 'canceling' | 'canceled' }> {
    const { state } = await this.broadcasts.execute(broadcastId, { type: 'CancelBroadcast', broadcastId, now: Date.now() }, contextMetadata(context));
    return { broadcastId, status: state.status === 'canceled' ? 'canceled' : 'canceling' };
  }
}
