import type { EventType } from '../events.js';

/**
 * Turns an event written under an older data schema into the next version. Events are never
 * rewritten in the log: old versions stay as they were appended, and every reader (actors,
 * projections, audit) sees the current shape. One upcaster per (type, fromVersion); they chain,
 * so a v1 event passes through 1->2 then 2->3. New events carry `schemaVersion` in metadata.
 */
export interface Upcaster<Type extends string = string> {
  type: Type;
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/**
 * Every schema change of an event's data adds an upcaster here (and bumps the version the
 * writers stamp); each names one of Herald's event types, checked by the compiler. Every event
 * type is still at version 1, so the list is empty.
 */
export const UPCASTERS: readonly Upcaster<EventType>[] = [];
