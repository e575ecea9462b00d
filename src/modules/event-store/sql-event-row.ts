import type { EventMetadata, RecordedEvent } from './event-store.port.js';

/** A row of the `events` table, laid out alike by both SQL stores; their drivers return JSON and time differently. */
export interface EventRow<Json, Time> {
  position: number | string;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  data: Json;
  metadata: Json;
  created_at: Time;
}

export function recordedFromRow<Json, Time>(row: EventRow<Json, Time>, decode: { json: (value: Json) => unknown; time: (value: Time) => Date }): RecordedEvent {
  return {
    id: row.event_id,
    streamName: row.stream,
    type: row.type,
    revision: row.revision,
    position: BigInt(row.position),
    data: decode.json(row.data),
    metadata: decode.json(row.metadata) as EventMetadata,
    createdAt: decode.time(row.created_at),
  };
}
