/**
 * The keys of a record, typed. Event-type lists are written as
 * `keysOf({ A: true, B: true } satisfies Record<SomeEvent['type'], true>)` rather than as
 * arrays: a type added to the union and not to the list (or a name the union lacks) fails to
 * compile, where an array would quietly leave the new type out of a filter.
 */
export function keysOf<K extends string>(record: Record<K, unknown>): readonly K[] {
  return Object.keys(record) as K[];
}
