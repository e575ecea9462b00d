import type { Provider } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { BROADCAST_EVENT_TYPES, broadcastDecider, broadcastStream, type BroadcastCommand, type BroadcastEvent, type BroadcastState } from '../../domain/broadcast/broadcast.js';
import { ActorSystem } from '../actors/actor-system.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

export const BROADCAST_ACTORS = Symbol('BroadcastActors');
export type BroadcastActors = ActorSystem<BroadcastCommand, BroadcastState, BroadcastEvent>;

/** One actor per broadcast: the API (request, cancel) and the fan-out (its pages) write its stream through it. */
export const broadcastActorProviders: Provider[] = [
  {
    provide: BROADCAST_ACTORS,
    inject: [EVENT_STORE, HERALD_CONFIG],
    useFactory: (store: EventStore, config: HeraldConfig): BroadcastActors =>
      new ActorSystem(store, broadcastDecider, broadcastStream, { maxActors: 1000, idleMs: config.actors.idleMs }, BROADCAST_EVENT_TYPES),
  },
];
