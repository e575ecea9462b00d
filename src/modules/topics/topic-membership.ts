import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../domain/shared/decider.js';
import { MAX_TOPICS_PER_USER } from '../../domain/topic/membership.js';
import { contextMetadata, type RequestContext } from '../auth/request-context.js';
import { validationFailed } from '../http/validation.js';
import { MEMBERSHIP_ACTORS, TOPIC_ACTORS, type MembershipActors, type TopicActors } from './topic-actors.js';

/** How many users' membership decisions run at once: each is its own actor, and group commit writes them together. */
const PARALLEL = 500;

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * Defines topics and changes who is in them. Each user's membership is decided by that user's
 * own actor, so the same call made twice records nothing the second time.
 */
@Injectable()
export class TopicMembership {
  constructor(
    @Inject(TOPIC_ACTORS) private readonly topics: TopicActors,
    @Inject(MEMBERSHIP_ACTORS) private readonly members: MembershipActors,
  ) {}

  async define(topicKey: string, name: string, description: string | null, context: RequestContext): Promise<{ created: boolean }> {
    const before = await this.topics.read(topicKey);
    await this.topics.execute(topicKey, { type: 'DefineTopic', topicKey, name, description, now: Date.now() }, contextMetadata(context));
    return { created: before.state.topicKey === null };
  }

  async exists(topicKey: string): Promise<boolean> {
    return (await this.topics.read(topicKey, { fresh: true })).state.topicKey !== null;
  }

  /** Subscribes or unsubscribes every user named; throws (before writing anything) when the topic is unknown. */
  async change(topicKey: string, userIds: string[], subscribe: boolean, context: RequestContext): Promise<{ topicKey: string; changed: number; unchanged: number }> {
    if (!(await this.exists(topicKey))) throw new DomainError('not_found', `no topic ${topicKey}: define it with PUT /v1/topics/${topicKey} first`, 'topicKey');
    const unique = [...new Set(userIds)];
    const refused: { index: number; message: string }[] = [];
    let changed = 0;
    const metadata = contextMetadata(context);
    const now = Date.now();
    if (subscribe) {
      // Users at their limit of topics are named before anything is written.
      await eachLimited(unique, PARALLEL, async (userId) => {
        const { state } = await this.members.read(userId);
        if (state.topics.length >= MAX_TOPICS_PER_USER && !state.topics.some((t) => t.topicKey === topicKey)) refused.push({ index: userIds.indexOf(userId), message: `${userId} is already in ${MAX_TOPICS_PER_USER} topics, the most a user may be in` });
      });
      if (refused.length > 0) throw validationFailed(refused.slice(0, 20).map((r) => ({ field: `userIds.${r.index}`, messages: [r.message] })));
    }
    await eachLimited(unique, PARALLEL, async (userId) => {
      const { events } = await this.members.execute(userId, { type: subscribe ? 'Subscribe' : 'Unsubscribe', userId, topicKey, now }, metadata);
      changed += events.length;
    });
    return { topicKey, changed, unchanged: unique.length - changed };
  }

  async topicsOf(userId: string): Promise<{ topicKey: string; subscribedAt: string }[]> {
    const { state } = await this.members.read(userId);
    return [...state.topics].sort((a, b) => a.topicKey.localeCompare(b.topicKey));
  }
}
