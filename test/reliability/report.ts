/** Each reliability scenario prints one row; the runner's output keeps them together. */
export interface ScenarioRow {
  scenario: string;
  profile: string;
  notifications: number;
  lost: number;
  duplicates: number;
  fiveXx: number;
  maxLatencyMs: number;
  note?: string;
}

export function report(row: ScenarioRow): void {
  console.log(`# RELIABILITY | ${row.scenario} | ${row.profile} | notifications ${row.notifications} | lost ${row.lost} | duplicates ${row.duplicates} | 5xx ${row.fiveXx} | max latency ${row.maxLatencyMs} ms${row.note ? ` | ${row.note}` : ''}`);
}
