import { randomUUID } from 'node:crypto';
import { deviceTokenDecider, deviceTokenStream, type DeviceTokenCommand, type DeviceTokenEvent, type DeviceTokenState } from '../../domain/device-token/device-token.js';
import {
  RECIPIENT_EVENT_TYPES,
  createRecipientDecider,
  recipientStream,
  type RecipientCommand,
  type RecipientEvent,
  type RecipientState,
} from '../../domain/recipient/index.js';
import type { ActorSystem } from '../actors/actor-system.js';
import { actorSystemProvider, aTenthOfTheActors } from '../actors/actor-system-provider.js';

export const RECIPIENT_ACTORS = Symbol('RecipientActors');
export const DEVICE_TOKEN_ACTORS = Symbol('DeviceTokenActors');

export type RecipientActors = ActorSystem<RecipientCommand, RecipientState, RecipientEvent>;
export type DeviceTokenActors = ActorSystem<DeviceTokenCommand, DeviceTokenState, DeviceTokenEvent>;

/** A decision's event id is its notification id, so a retried append cannot record it twice. */
const recipientEventId = (event: RecipientEvent): string =>
  event.type === 'NotificationRequested' || event.type === 'NotificationSuppressed' ? event.data.notificationId : randomUUID();

export const recipientActorProviders = [
  actorSystemProvider(RECIPIENT_ACTORS, { decider: (config) => createRecipientDecider(config.policy), stream: recipientStream, eventTypes: RECIPIENT_EVENT_TYPES, eventId: recipientEventId, options: (actors) => actors }),
  actorSystemProvider(DEVICE_TOKEN_ACTORS, { decider: deviceTokenDecider, stream: deviceTokenStream, options: aTenthOfTheActors }),
];
