import { randomUUID } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { deviceTokenDecider, deviceTokenStream, type DeviceTokenCommand, type DeviceTokenEvent, type DeviceTokenState } from '../../domain/device-token/device-token.js';
import {
  RECIPIENT_EVENT_TYPES,
  createRecipientDecider,
  recipientStream,
  type RecipientCommand,
  type RecipientEvent,
  type RecipientState,
} from '../../domain/recipient/index.js';
import { ActorSystem } from '../actors/actor-system.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

export const RECIPIENT_ACTORS = Symbol('RecipientActors');
export const DEVICE_TOKEN_ACTORS = Symbol('DeviceTokenActors');

export type RecipientActors = ActorSystem<RecipientCommand, RecipientState, RecipientEvent>;
export type DeviceTokenActors = ActorSystem<DeviceTokenCommand, DeviceTokenState, DeviceTokenEvent>;

/** A decision's event id is its notification id, so a retried append cannot record it twice. */
const recipientEventId = (event: RecipientEvent): string =>
  event.type === 'NotificationRequested' || event.type === 'NotificationSuppressed' ? event.data.notificationId : randomUUID();

export const recipientActorProviders: Provider[] = [
  {
    provide: RECIPIENT_ACTORS,
    inject: [EVENT_STORE, HERALD_CONFIG],
    useFactory: (store: EventStore, config: HeraldConfig): RecipientActors =>
      new ActorSystem(store, createRecipientDecider(config.policy), recipientStream, config.actors, RECIPIENT_EVENT_TYPES, recipientEventId),
  },
  {
    provide: DEVICE_TOKEN_ACTORS,
    inject: [EVENT_STORE, HERALD_CONFIG],
    useFactory: (store: EventStore, config: HeraldConfig): DeviceTokenActors =>
      new ActorSystem(store, deviceTokenDecider, deviceTokenStream, {
        maxActors: Math.max(1000, Math.floor(config.actors.maxActors / 10)),
        idleMs: config.actors.idleMs,
      }),
  },
];
