import type { Decider } from '../shared/decider.js';

/**
 * A push token belongs to one user at a time. When a phone changes hands (or an app signs in
 * as another user) the token moves: this small aggregate, one stream per token, says who holds
 * it, so the previous holder can be told to drop it.
 */
export type DeviceTokenEvent = {
  type: 'DeviceTokenClaimed';
  data: {
    tokenKey: string;
    userId: string;
    deviceId: string;
    previousUserId: string | null;
    previousDeviceId: string | null;
    claimedAt: string;
  };
};

export type DeviceTokenCommand = { type: 'ClaimDeviceToken'; tokenKey: string; userId: string; deviceId: string; now: number };

export interface DeviceTokenState {
  holder: { userId: string; deviceId: string } | null;
  previous: { userId: string; deviceId: string } | null;
}

export const deviceTokenStream = (tokenKey: string): string => `devicetoken-${tokenKey}`;

export const deviceTokenDecider: Decider<DeviceTokenCommand, DeviceTokenState, DeviceTokenEvent> = {
  initialState: () => ({ holder: null, previous: null }),
  decide(command, state) {
    if (state.holder?.userId === command.userId && state.holder.deviceId === command.deviceId) return [];
    return [
      {
        type: 'DeviceTokenClaimed',
        data: {
          tokenKey: command.tokenKey,
          userId: command.userId,
          deviceId: command.deviceId,
          previousUserId: state.holder?.userId ?? null,
          previousDeviceId: state.holder?.deviceId ?? null,
          claimedAt: new Date(command.now).toISOString(),
        },
      },
    ];
  },
  evolve(_state, event) {
    const { userId, deviceId, previousUserId, previousDeviceId } = event.data;
    return {
      holder: { userId, deviceId },
      previous: previousUserId !== null && previousDeviceId !== null ? { userId: previousUserId, deviceId: previousDeviceId } : null,
    };
  },
};
