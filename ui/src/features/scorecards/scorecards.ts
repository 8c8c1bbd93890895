// The scorecard view's logic: the periods offered, and the figures as CSV for a
// spreadsheet — exactly the numbers on screen, which are the server's.
import type { Scorecard } from "../../lib/bindings/Scorecard";

export type Period = 7 | 30 | 90 | null;

export const PERIODS: { days: Period; label: string }[] = [
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
  { days: null, label: "All time" },
];

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function field(v: string | number | null): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const COLUMNS: [string, (c: Scorecard) => string | number | null][] = [
  ["Partner", (c) => c.org_name],
  ["Period from", (c) => c.since],
  ["Jobs open", (c) => c.jobs_open],
  ["Jobs completed", (c) => c.jobs_completed],
  ["Jobs failed", (c) => c.jobs_failed],
  ["Ratings", (c) => c.feedback_count],
  ["CSAT (1-5)", (c) => c.csat],
  ["NPS", (c) => c.nps],
  ["Callbacks completed", (c) => c.callbacks_completed],
  ["Callbacks on time", (c) => c.callbacks_on_time],
  ["Callbacks due now", (c) => c.callbacks_due],
  ["Promises kept", (c) => c.commitments_kept],
  ["Promises broken", (c) => c.commitments_broken],
  ["Escalated tickets open", (c) => c.tickets_escalated_open],
  ["Asked whether they repeated anything", (c) => c.reasked_answers],
  ["Had to repeat details", (c) => c.reasked],
  ["Changes propagated live", (c) => c.propagated],
  ["Time to propagate median (ms)", (c) => c.propagation_p50_ms],
  ["Time to propagate 95th percentile (ms)", (c) => c.propagation_p95_ms],
];

/** Of the customers asked, the share who had to repeat something already known; `null` when none was asked. */
export function reaskedShare(c: Scorecard): number | null {
  return c.reasked_answers > 0 ? c.reasked / c.reasked_answers : null;
}

/** A delay as people read it: "350 ms", "1.2 s", "45 s", "3 min", "2.5 h"; "—" for none. */
export function formatLag(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 90) return `${Math.round(s)} s`;
  const min = s / 60;
  if (min < 90) return `${Math.round(min)} min`;
  return `${(min / 60).toFixed(1)} h`;
}

/** The scorecards as CSV (RFC 4180: CRLF line ends), one row per partner. */
export function scorecardsCsv(cards: Scorecard[]): string {
  const rows = [COLUMNS.map(([name]) => field(name)).join(",")];
  for (const c of cards) rows.push(COLUMNS.map(([, value]) => field(value(c))).join(","));
  return rows.join("\r\n") + "\r\n";
}

/** The file name an export is saved under: "baton-scorecards-30-days-2026-12-02.csv". */
export function csvName(days: Period, today: Date = new Date()): string {
  const date = today.toISOString().slice(0, 10);
  return `baton-scorecards-${days === null ? "all-time" : `${days}-days`}-${date}.csv`;
}
