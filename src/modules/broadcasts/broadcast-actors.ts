import { BROADCAST_EVENT_TYPES, broadcastDecider, broadcastStream, type BroadcastCommand, type BroadcastEvent, type BroadcastState } from '../../domain/broadcast/broadcast.js';
import type { ActorSystem } from '../actors/actor-system.js';
import { actorSystemProvider } from '../actors/actor-system-provider.js';

export const BROADCAST_ACTORS = Symbol('BroadcastActors');
export type BroadcastActors = ActorSystem<BroadcastCommand, BroadcastState, BroadcastEvent>;

/** One actor per broadcast: the API (request, cancel) and the fan-out (its pages) write its stream through it. */
export const broadcastActorProviders = [
  actorSystemProvider(BROADCAST_ACTORS, { decider: broadcastDecider, stream: broadcastStream, eventTypes: BROADCAST_EVENT_TYPES, options: ({ idleMs }) => ({ maxActors: 1000, idleMs }) }),
];
