import type { Provider } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { INBOUND_SMS_EVENT_TYPES, inboundSmsDecider, inboundSmsStream, type InboundSmsCommand, type InboundSmsEvent, type InboundSmsState } from '../../domain/inbound-sms/inbound-sms.js';
import { ActorSystem } from '../actors/actor-system.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

export const INBOUND_SMS_ACTORS = Symbol('InboundSmsActors');
export type InboundSmsActors = ActorSystem<InboundSmsCommand, InboundSmsState, InboundSmsEvent>;

/**
 * One actor per sending phone. An append whose outcome is unknown is not retried blindly: the
 * actor reads the stream again, and a message already recorded decides nothing.
 */
export const inboundSmsActorProviders: Provider[] = [
  {
    provide: INBOUND_SMS_ACTORS,
    inject: [EVENT_STORE, HERALD_CONFIG],
    useFactory: (store: EventStore, config: HeraldConfig): InboundSmsActors =>
      new ActorSystem(store, inboundSmsDecider, inboundSmsStream, { maxActors: Math.max(1000, Math.floor(config.actors.maxActors / 10)), idleMs: config.actors.idleMs }, INBOUND_SMS_EVENT_TYPES),
  },
];
