import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, type HeraldConfig } from '../../config/herald-config.js';
import { EVENT_STORE, type EventStore } from './event-store.port.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { withUpcasting } from './upcasting.js';
import { UPCASTERS } from '../../domain/shared/upcasters.js';

function openAdapter(config: HeraldConfig): EventStore {
  const c = config.eventStore;
  switch (c.kind) {
    case 'sqlite':
      return new SqliteEventStore(c.file, { synchronous: c.synchronous, busyTimeoutMs: c.busyTimeoutMs });
    case 'eventstoredb':
      return new EventStoreDbEventStore(c.url);
    case 'postgres':
      return new PostgresEventStore(c.url, { schema: c.schema });
  }
}

/** The configured adapter; every event read from it comes out at its current schema version. */
export function openEventStore(config: HeraldConfig): EventStore {
  return withUpcasting(openAdapter(config), UPCASTERS);
}

@Global()
@Module({
  providers: [{ provide: EVENT_STORE, inject: [HERALD_CONFIG], useFactory: openEventStore }],
  exports: [EVENT_STORE],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
