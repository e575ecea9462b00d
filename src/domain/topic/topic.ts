import { DomainError, type Decider } from '../shared/decider.js';
import { keysOf } from '../shared/keys-of.js';

/**
 * A topic's definition, one stream per topic (`topic-{topicKey}`): its name and description,
 * as last set. Who belongs to it is not here but on each member's membership stream (see
 * membership.ts), so a topic of a million members is never one aggregate in one actor's memory.
 */
export type TopicEvent = {
  type: 'TopicDefined';
  data: { topicKey: string; name: string; description: string | null; definedAt: string };
};

export type TopicCommand = { type: 'DefineTopic'; topicKey: string; name: string; description: string | null; now: number };

export interface TopicState {
  topicKey: string | null;
  name: string | null;
  description: string | null;
  createdAt: string | null;
}

/** Letters, digits and . _ : - ; up to 100 characters. */
export const TOPIC_KEY = /^[A-Za-z0-9._:-]{1,100}$/;

export const topicStream = (topicKey: string): string => `topic-${topicKey}`;

export const topicDecider: Decider<TopicCommand, TopicState, TopicEvent> = {
  initialState: () => ({ topicKey: null, name: null, description: null, createdAt: null }),
  decide(command, state) {
    if (!TOPIC_KEY.test(command.topicKey)) throw new DomainError('invalid_argument', 'topicKey must be 1-100 characters of letters, digits and . _ : -', 'topicKey');
    if (command.name.trim() === '') throw new DomainError('invalid_argument', 'name must not be empty', 'name');
    if (state.topicKey !== null && state.name === command.name && state.description === command.description) return [];
    return [{ type: 'TopicDefined', data: { topicKey: command.topicKey, name: command.name, description: command.description, definedAt: new Date(command.now).toISOString() } }];
  },
  evolve(state, event) {
    const { topicKey, name, description, definedAt } = event.data;
    return { topicKey, name, description, createdAt: state.createdAt ?? definedAt };
  },
};

export const TOPIC_EVENT_TYPES = keysOf({ TopicDefined: true } satisfies Record<TopicEvent['type'], true>);
