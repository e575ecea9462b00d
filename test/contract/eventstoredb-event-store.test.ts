import { EventStoreDbEventStore } from '../../src/modules/event-store/eventstoredb-event-store.js';
import { eventStoreContract } from './event-store.contract.js';

const url = process.env.EVENTSTORE_URL;
if (!url) console.log('# SKIPPED: EventStoreDB contract suite (set EVENTSTORE_URL to run it)');

eventStoreContract(
  'eventstoredb',
  async (t) => {
    const store = new EventStoreDbEventStore(url!);
    t.after(() => store.close());
    return store;
  },
  {
    openShared: async (t) => {
      const stores = [new EventStoreDbEventStore(url!), new EventStoreDbEventStore(url!)] as const;
      t.after(() => Promise.all(stores.map((s) => s.close())));
      return [...stores];
    },
    skip: url ? false : `EVENTSTORE_URL is not set (run: EVENTSTORE_URL=esdb://localhost:2113?tls=false npm test)` },
);
