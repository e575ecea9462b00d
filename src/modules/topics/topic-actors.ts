import type { Provider } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { MEMBERSHIP_EVENT_TYPES, membershipDecider, membershipStream, type MembershipCommand, type MembershipEvent, type MembershipState } from '../../domain/topic/membership.js';
import { TOPIC_EVENT_TYPES, topicDecider, topicStream, type TopicCommand, type TopicEvent, type TopicState } from '../../domain/topic/topic.js';
import { ActorSystem } from '../actors/actor-system.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

export const TOPIC_ACTORS = Symbol('TopicActors');
export const MEMBERSHIP_ACTORS = Symbol('MembershipActors');
export type TopicActors = ActorSystem<TopicCommand, TopicState, TopicEvent>;
export type MembershipActors = ActorSystem<MembershipCommand, MembershipState, MembershipEvent>;

/** One actor per topic (its definition) and one per user (the topics they are in). */
export const topicActorProviders: Provider[] = [
  {
    provide: TOPIC_ACTORS,
    inject: [EVENT_STORE, HERALD_CONFIG],
    useFactory: (store: EventStore, config: HeraldConfig): TopicActors =>
      new ActorSystem(store, topicDecider, topicStream, { maxActors: 1000, idleMs: config.actors.idleMs }, TOPIC_EVENT_TYPES),
  },
  {
    provide: MEMBERSHIP_ACTORS,
    inject: [EVENT_STORE, HERALD_CONFIG],
    useFactory: (store: EventStore, config: HeraldConfig): MembershipActors =>
      new ActorSystem(store, membershipDecider, membershipStream, { maxActors: Math.max(20_000, Math.floor(config.actors.maxActors / 2)), idleMs: config.actors.idleMs }, MEMBERSHIP_EVENT_TYPES),
  },
];
