/**
 * Raw limit of the provider SDKs: each channel's real adapter (apns2, firebase-admin,
 * @vonage/server-sdk, mailgun.js) sending straight to its instant fake, with no Herald around it.
 * What the SDK client and the fake cost per send is spent on every delivery the end-to-end run
 * makes, so it bounds that run on this machine however cheap Herald's own work becomes.
 */
import { cpus } from 'node:os';
import { loadConfig } from '../src/config/herald-config.js';
import type { OutboundMessage } from '../src/modules/channels/provider.port.js';
import { realProviders } from '../src/modules/channels/real-providers.js';
import type { ChannelQueue as AnyChannelQueue } from '../src/modules/queues/queue.port.js';
import { startFakes } from './herald.js';
import { cpuMsOf, round } from './stats.js';

/** The queues of the end-to-end mix, whose users have no web push subscriptions. */
type ChannelQueue = Exclude<AnyChannelQueue, 'webpush' | 'inapp'>;

/** Deliveries per notification by queue in the end-to-end mix: 60% push to 1-3 devices (2 on average, APNs and FCM alike), 10% SMS, 30% email. */
export const DELIVERIES_PER_NOTIFICATION: Record<ChannelQueue, number> = { apns: 0.6, fcm: 0.6, sms: 0.1, email: 0.3 };

const targets: Record<ChannelQueue, OutboundMessage['target']> = {
  apns: { channel: 'push', deviceId: 'd1', platform: 'ios', provider: 'apns', token: 'ab'.repeat(32) },
  fcm: { channel: 'push', deviceId: 'd2', platform: 'android', provider: 'fcm', token: 'fcm-token-1-0-abcdefghijklmnop' },
  sms: { channel: 'sms', phone: '+447700900123' },
  email: { channel: 'email', email: 'u1@example.com' },
};

const message = (queue: ChannelQueue, n: number): OutboundMessage => ({
  deliveryId: `bench-${queue}-${n}.1`,
  notificationId: `bench-${queue}-${n}`,
  userId: 'u1',
  category: 'bench',
  priority: 'high',
  target: targets[queue],
  message: { title: 'Hi', body: `message ${n}`, subject: 'Bench', text: `message ${n}` },
});

export interface ProviderSdkLimit {
  sendsPerSecond: number;
  /** CPU of the sending process (SDK, HTTP, TLS) per send. */
  clientCpuMs: number;
  /** CPU of the fake answering it per send. */
  fakeCpuMs: number;
}

export async function providerSdkLimits(sendsPerChannel: number, concurrency = 32) {
  const fakes = await startFakes();
  // The real adapters keep nothing on disk: the configuration's data directory is never touched.
  const providers = realProviders(loadConfig(fakes.env));
  const perChannel = {} as Record<ChannelQueue, ProviderSdkLimit>;
  try {
    for (const queue of Object.keys(DELIVERIES_PER_NOTIFICATION) as ChannelQueue[]) {
      const [provider] = providers[queue]!;
      const sendAll = async (count: number, offset: number) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < count) await provider.send(message(queue, offset + next++));
          }),
        );
      };
      await sendAll(200, 0); // connections, tokens and JIT warmed before measuring
      const fakeBefore = cpuMsOf(fakes.pid);
      const clientBefore = process.cpuUsage();
      const started = performance.now();
      await sendAll(sendsPerChannel, 1_000);
      const seconds = (performance.now() - started) / 1000;
      const client = process.cpuUsage(clientBefore);
      perChannel[queue] = {
        sendsPerSecond: round(sendsPerChannel / seconds),
        clientCpuMs: round((client.user + client.system) / 1000 / sendsPerChannel, 3),
        fakeCpuMs: round((cpuMsOf(fakes.pid) - fakeBefore) / sendsPerChannel, 3),
      };
    }
  } finally {
    for (const chain of Object.values(providers)) for (const provider of chain) await provider.close();
    fakes.stop();
  }
  const cpuMsPerNotification = (Object.entries(DELIVERIES_PER_NOTIFICATION) as [ChannelQueue, number][]).reduce(
    (total, [queue, share]) => total + share * (perChannel[queue].clientCpuMs + perChannel[queue].fakeCpuMs),
    0,
  );
  const clientCpuMsPerNotification = (Object.entries(DELIVERIES_PER_NOTIFICATION) as [ChannelQueue, number][]).reduce((total, [queue, share]) => total + share * perChannel[queue].clientCpuMs, 0);
  return {
    perChannel,
    /** The SDK clients' share alone: spent inside the Herald processes on every notification of the mix. */
    clientCpuMsPerNotification: round(clientCpuMsPerNotification, 3),
    /** SDK client and fake CPU that one notification of the mix costs, before any work of Herald's. */
    cpuMsPerNotification: round(cpuMsPerNotification, 3),
    /** Every core busy with nothing but the SDK calls and their fakes: the most notifications/s of the mix this machine can send. */
    notificationsPerSecondOnAllCores: round((cpus().length * 1000) / cpuMsPerNotification),
  };
}
