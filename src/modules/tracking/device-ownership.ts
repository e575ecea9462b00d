import { Inject, Injectable } from '@nestjs/common';
import { recipientStream } from '../../domain/recipient/events.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';

/**
 * Herald has no user ownership of its own; an app key that may only register devices is
 * taken to speak for the users whose devices it registered: the user's stream holds a
 * DeviceRegistered whose metadata names that app key. (Removing the device later does not
 * revoke it: a push sent before the removal can still be opened.)
 */
@Injectable()
export class DeviceOwnership {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async registeredDeviceOf(appKey: string, userId: string): Promise<boolean> {
    const events = await this.store.readStream(recipientStream(userId));
    return events.some((e) => e.type === 'DeviceRegistered' && e.metadata.appKey === appKey);
  }
}
