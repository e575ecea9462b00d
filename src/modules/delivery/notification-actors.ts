import type { Provider } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import {
  NOTIFICATION_STREAM_EVENT_TYPES,
  deliveryDecider,
  notificationStream,
  type DeliveryCommand,
  type DeliveryEvent,
  type DeliveryState,
} from '../../domain/notification/delivery-lifecycle.js';
import { ActorSystem } from '../actors/actor-system.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

export const NOTIFICATION_ACTORS = Symbol('NotificationActors');
export type NotificationActors = ActorSystem<DeliveryCommand, DeliveryState, DeliveryEvent>;

export const notificationActorsProvider: Provider = {
  provide: NOTIFICATION_ACTORS,
  inject: [EVENT_STORE, HERALD_CONFIG],
  useFactory: (store: EventStore, config: HeraldConfig): NotificationActors =>
    new ActorSystem(store, deliveryDecider, notificationStream, { maxActors: Math.max(1000, Math.floor(config.actors.maxActors / 10)), idleMs: 60_000 }, NOTIFICATION_STREAM_EVENT_TYPES),
};
