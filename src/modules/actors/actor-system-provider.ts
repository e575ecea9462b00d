import type { Provider } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import type { Decider } from '../../domain/shared/decider.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ActorSystem, type ActorSystemOptions, type DomainEvent } from './actor-system.js';

export interface ActorSystemSpec<C, S, E extends DomainEvent> {
  decider: Decider<C, S, E> | ((config: HeraldConfig) => Decider<C, S, E>);
  stream: (id: string) => string;
  /** How many actors it keeps, and for how long, given the deployment's ACTOR_MAX and ACTOR_IDLE. */
  options: (actors: HeraldConfig['actors']) => ActorSystemOptions;
  /** Event types its streams may hold: another type is a sign of a newer release writing there. */
  eventTypes?: readonly string[];
  eventId?: (event: E) => string;
}

/** The Nest provider of one actor system (one actor per stream of a kind), on the event store and the config. */
export function actorSystemProvider<C, S, E extends DomainEvent>(token: symbol, spec: ActorSystemSpec<C, S, E>): Provider {
  return {
    provide: token,
    inject: [EVENT_STORE, HERALD_CONFIG],
    useFactory: (store: EventStore, config: HeraldConfig): ActorSystem<C, S, E> => {
      const decider = typeof spec.decider === 'function' ? spec.decider(config) : spec.decider;
      return new ActorSystem(store, decider, spec.stream, spec.options(config.actors), spec.eventTypes, spec.eventId);
    },
  };
}

/** For kinds with fewer, hotter streams than users: a tenth of ACTOR_MAX, at least 1,000. */
export const aTenthOfTheActors = (actors: HeraldConfig['actors']): ActorSystemOptions => ({ maxActors: Math.max(1000, Math.floor(actors.maxActors / 10)), idleMs: actors.idleMs });
