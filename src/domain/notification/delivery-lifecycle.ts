import { DomainError, type Decider } from '../shared/decider.js';

/**
 * What happened to each delivery of one notification after the decision: sent, retried,
 * failed, canceled. One stream per notification (`notification-{id}`), written through one
 * actor per notification, so a delivery reaches exactly one terminal outcome.
 */
export type DeliveryStatus = 'pending' | 'retrying' | 'sent' | 'failed' | 'canceled';

export const TERMINAL: ReadonlySet<DeliveryStatus> = new Set(['sent', 'failed', 'canceled']);

export type FailureReason = 'permanent' | 'exhausted' | 'opted_out' | 'token_invalidated' | 'device_removed' | 'render_failed';

export type DeliveryEvent =
  | {
      type: 'NotificationSent';
      data: { notificationId: string; deliveryId: string; channel: string; provider: string; providerMessageId: string | null; attempt: number; sentAt: string };
    }
  | {
      type: 'NotificationRetried';
      data: { notificationId: string; deliveryId: string; channel: string; provider: string; attempt: number; error: string; nextAttemptAt: string; retriedAt: string };
    }
  | {
      type: 'NotificationFailed';
      data: { notificationId: string; deliveryId: string; channel: string; provider: string; attempt: number; reason: FailureReason; error: string; failedAt: string };
    }
  | { type: 'NotificationCanceled'; data: { notificationId: string; deliveryIds: string[]; canceledAt: string } };

export type DeliveryCommand =
  | { type: 'RecordSent'; notificationId: string; deliveryId: string; channel: string; provider: string; providerMessageId: string | null; now: number }
  | { type: 'RecordRetry'; notificationId: string; deliveryId: string; channel: string; provider: string; error: string; retryAt: number; now: number }
  | { type: 'RecordFailure'; notificationId: string; deliveryId: string; channel: string; provider: string; reason: FailureReason; error: string; now: number }
  | { type: 'Cancel'; notificationId: string; deliveryIds: string[]; now: number };

export interface DeliveryState {
  deliveries: Record<string, { status: DeliveryStatus; attempts: number }>;
}

export const DELIVERY_EVENT_TYPES = ['NotificationSent', 'NotificationRetried', 'NotificationFailed', 'NotificationCanceled'] as const;

export const notificationStream = (notificationId: string): string => `notification-${notificationId}`;

const iso = (ms: number): string => new Date(ms).toISOString();

export function deliveryOf(state: DeliveryState, deliveryId: string): { status: DeliveryStatus; attempts: number } {
  return state.deliveries[deliveryId] ?? { status: 'pending', attempts: 0 };
}

export const deliveryDecider: Decider<DeliveryCommand, DeliveryState, DeliveryEvent> = {
  initialState: () => ({ deliveries: {} }),

  decide(command, state) {
    if (command.type === 'Cancel') {
      const open = command.deliveryIds.filter((id) => !TERMINAL.has(deliveryOf(state, id).status));
      if (open.length === 0) throw new DomainError('conflict', 'every delivery of this notification is already sent, failed or canceled');
      return [{ type: 'NotificationCanceled', data: { notificationId: command.notificationId, deliveryIds: open, canceledAt: iso(command.now) } }];
    }
    const current = deliveryOf(state, command.deliveryId);
    // A terminal delivery stays terminal: a late or repeated outcome is ignored.
    if (TERMINAL.has(current.status)) return [];
    const attempt = current.attempts + 1;
    const { notificationId, deliveryId, channel, provider } = command;
    switch (command.type) {
      case 'RecordSent':
        return [{ type: 'NotificationSent', data: { notificationId, deliveryId, channel, provider, providerMessageId: command.providerMessageId, attempt, sentAt: iso(command.now) } }];
      case 'RecordRetry':
        return [
          {
            type: 'NotificationRetried',
            data: { notificationId, deliveryId, channel, provider, attempt, error: command.error, nextAttemptAt: iso(command.retryAt), retriedAt: iso(command.now) },
          },
        ];
      case 'RecordFailure':
        return [{ type: 'NotificationFailed', data: { notificationId, deliveryId, channel, provider, attempt, reason: command.reason, error: command.error, failedAt: iso(command.now) } }];
      default: {
        const never: never = command;
        return never;
      }
    }
  },

  evolve(state, event) {
    const set = (id: string, status: DeliveryStatus, attempts: number): DeliveryState => ({ deliveries: { ...state.deliveries, [id]: { status, attempts } } });
    switch (event.type) {
      case 'NotificationSent':
        return set(event.data.deliveryId, 'sent', event.data.attempt);
      case 'NotificationRetried':
        return set(event.data.deliveryId, 'retrying', event.data.attempt);
      case 'NotificationFailed':
        return set(event.data.deliveryId, 'failed', event.data.attempt);
      case 'NotificationCanceled':
        return event.data.deliveryIds.reduce<DeliveryState>(
          (s, id) => ({ deliveries: { ...s.deliveries, [id]: { status: 'canceled', attempts: deliveryOf(s, id).attempts } } }),
          state,
        );
      default: {
        const never: never = event;
        return never;
      }
    }
  },
};
