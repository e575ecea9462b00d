import { Query } from '@nestjs/cqrs';
import type { Preferences, Profile } from '../../../domain/recipient/events.js';

export interface UserView extends Profile {
  userId: string;
  devices: { deviceId: string; platform: string; provider: string; token: string; registeredAt: string }[];
  preferences: Preferences;
}

export class GetUserQuery extends Query<UserView> {
  constructor(readonly userId: string) {
    super();
  }
}
