import { Global, Module } from '@nestjs/common';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { TemplatesModule } from '../templates/templates.module.js';
import { AlertService } from './alerts.service.js';
import { BroadcastCancellations } from './broadcast-cancellations.js';
import { clockProviders } from './clock.js';
import { DeliveryWorker } from './delivery-worker.js';
import { Dispatcher } from './dispatcher.js';
import { QueueMonitor } from './queue-monitor.js';
import { DELIVERY_LIFECYCLE_ACTORS, deliveryLifecycleActorsProvider } from './delivery-lifecycle-actors.js';

@Global()
@Module({
  imports: [RecipientsModule, TemplatesModule],
  providers: [...clockProviders, deliveryLifecycleActorsProvider, AlertService, BroadcastCancellations, Dispatcher, DeliveryWorker, QueueMonitor],
  exports: [DELIVERY_LIFECYCLE_ACTORS, AlertService, Dispatcher, DeliveryWorker],
})
export class DeliveryModule {}
