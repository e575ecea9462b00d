import {
  DELIVERY_LIFECYCLE_EVENT_TYPES,
  deliveryLifecycleDecider,
  notificationStream,
  type DeliveryLifecycleCommand,
  type DeliveryLifecycleEvent,
  type DeliveryLifecycleState,
} from '../../domain/notification/delivery-lifecycle.js';
import type { ActorSystem } from '../actors/actor-system.js';
import { actorSystemProvider, aTenthOfTheActors } from '../actors/actor-system-provider.js';

export const DELIVERY_LIFECYCLE_ACTORS = Symbol('DeliveryLifecycleActors');
export type DeliveryLifecycleActors = ActorSystem<DeliveryLifecycleCommand, DeliveryLifecycleState, DeliveryLifecycleEvent>;

/** One actor per notification: its deliveries' outcomes. A notification's stream is busy for minutes, not for the user's lifetime. */
export const deliveryLifecycleActorsProvider = actorSystemProvider(DELIVERY_LIFECYCLE_ACTORS, {
  decider: deliveryLifecycleDecider,
  stream: notificationStream,
  eventTypes: DELIVERY_LIFECYCLE_EVENT_TYPES,
  options: (actors) => ({ ...aTenthOfTheActors(actors), idleMs: 60_000 }),
});
