import { DomainError, type Decider } from '../shared/decider.js';
import { keysOf } from '../shared/keys-of.js';

/**
 * The topics one user belongs to, one stream per user (`membership-{userId}`), written through
 * one actor per user. Whether a subscribe or unsubscribe changes anything is decided from this
 * user's own few topics, so a call for 10,000 users is 10,000 small independent decisions and
 * a repeat of it records nothing. It is not the recipient stream: a burst of subscriptions
 * never races the user's notification decisions for the same stream revision.
 */
export type MembershipEvent =
  | { type: 'TopicSubscribed'; data: { userId: string; topicKey: string; subscribedAt: string } }
  | { type: 'TopicUnsubscribed'; data: { userId: string; topicKey: string; unsubscribedAt: string } };

export type MembershipCommand =
  | { type: 'Subscribe'; userId: string; topicKey: string; now: number }
  | { type: 'Unsubscribe'; userId: string; topicKey: string; now: number };

export interface MembershipState {
  /** Each topic the user is in, with when they joined. */
  topics: { topicKey: string; subscribedAt: string }[];
}

/** A user belongs to at most this many topics: the state stays small, and so does GET /v1/users/:userId. */
export const MAX_TOPICS_PER_USER = 500;

export const membershipStream = (userId: string): string => `membership-${userId}`;

export const membershipDecider: Decider<MembershipCommand, MembershipState, MembershipEvent> = {
  initialState: () => ({ topics: [] }),
  decide(command, state) {
    const member = state.topics.some((t) => t.topicKey === command.topicKey);
    const at = new Date(command.now).toISOString();
    switch (command.type) {
      case 'Subscribe':
        if (member) return [];
        if (state.topics.length >= MAX_TOPICS_PER_USER) {
          throw new DomainError('conflict', `user ${command.userId} is already in ${MAX_TOPICS_PER_USER} topics, the most a user may be in`, 'userIds');
        }
        return [{ type: 'TopicSubscribed', data: { userId: command.userId, topicKey: command.topicKey, subscribedAt: at } }];
      case 'Unsubscribe':
        if (!member) return [];
        return [{ type: 'TopicUnsubscribed', data: { userId: command.userId, topicKey: command.topicKey, unsubscribedAt: at } }];
      default: {
        const never: never = command;
        return never;
      }
    }
  },
  evolve(state, event) {
    const others = state.topics.filter((t) => t.topicKey !== event.data.topicKey);
    switch (event.type) {
      case 'TopicSubscribed':
        return { topics: [...others, { topicKey: event.data.topicKey, subscribedAt: event.data.subscribedAt }] };
      case 'TopicUnsubscribed':
        return { topics: others };
      default: {
        const never: never = event;
        return never;
      }
    }
  },
};

export const MEMBERSHIP_EVENT_TYPES = keysOf({ TopicSubscribed: true, TopicUnsubscribed: true } satisfies Record<MembershipEvent['type'], true>);
