import { NotFoundException } from '@nestjs/common';
import { Query, type QueryBus } from '@nestjs/cqrs';
import type { Preferences, Profile } from '../../../domain/recipient/events.js';

export interface UserView extends Profile {
  userId: string;
  devices: { deviceId: string; platform: string; provider: string; token: string; registeredAt: string }[];
  preferences: Preferences;
  /** The topics the user is in, by key. */
  topics: { topicKey: string; subscribedAt: string }[];
}

export class GetUserQuery extends Query<UserView> {
  constructor(readonly userId: string) {
    super();
  }
}

/** The user, or null when there is none: for a signed link, whose user may be gone since it was issued. */
export async function findUser(queries: QueryBus, userId: string): Promise<UserView | null> {
  try {
    return await queries.execute(new GetUserQuery(userId));
  } catch (error) {
    if (error instanceof NotFoundException) return null;
    throw error;
  }
}
