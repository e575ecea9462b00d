import type { BroadcastEvent } from './broadcast/broadcast.js';
import type { ClientEvent } from './client/client.js';
import type { DeviceTokenEvent } from './device-token/device-token.js';
import type { InboundSmsEvent } from './inbound-sms/inbound-sms.js';
import type { DeliveryLifecycleEvent } from './notification/delivery-lifecycle.js';
import type { RecipientEvent } from './recipient/events.js';
import type { TemplateEvent } from './template/template.js';
import type { MembershipEvent } from './topic/membership.js';
import type { TopicEvent } from './topic/topic.js';

/** Every event Herald writes to its log, across all its streams. */
export type HeraldEvent = RecipientEvent | DeliveryLifecycleEvent | DeviceTokenEvent | ClientEvent | TemplateEvent | InboundSmsEvent | TopicEvent | MembershipEvent | BroadcastEvent;
export type EventType = HeraldEvent['type'];
