import type { Provider } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import {
  DELIVERY_LIFECYCLE_EVENT_TYPES,
  deliveryLifecycleDecider,
  notificationStream,
  type DeliveryLifecycleCommand,
  type DeliveryLifecycleEvent,
  type DeliveryLifecycleState,
} from '../../domain/notification/delivery-lifecycle.js';
import { ActorSystem } from '../actors/actor-system.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

export const DELIVERY_LIFECYCLE_ACTORS = Symbol('DeliveryLifecycleActors');
export type DeliveryLifecycleActors = ActorSystem<DeliveryLifecycleCommand, DeliveryLifecycleState, DeliveryLifecycleEvent>;

export const deliveryLifecycleActorsProvider: Provider = {
  provide: DELIVERY_LIFECYCLE_ACTORS,
  inject: [EVENT_STORE, HERALD_CONFIG],
  useFactory: (store: EventStore, config: HeraldConfig): DeliveryLifecycleActors =>
    new ActorSystem(store, deliveryLifecycleDecider, notificationStream, { maxActors: Math.max(1000, Math.floor(config.actors.maxActors / 10)), idleMs: 60_000 }, DELIVERY_LIFECYCLE_EVENT_TYPES),
};
