// The scorecard view's logic: the periods offered, and the figures as CSV for a
// spreadsheet — exactly the numbers on screen, which are the server's.
import type { Scorecard } from "../../lib/bindings/Scorecard";
import type { ScorecardFigure } from "../../lib/bindings/ScorecardFigure";
import type { ScorecardPeriod } from "../../lib/bindings/ScorecardPeriod";

/** What the items behind each figure are, as a heading. */
export const FIGURE_LABELS: Record<ScorecardFigure, string> = {
  jobs_open: "Open jobs",
  jobs_completed: "Jobs completed",
  jobs_failed: "Jobs failed",
  feedback: "Ratings",
  reasked: "Customers who had to repeat details",
  callbacks_due: "Callbacks due now",
  callbacks_completed: "Callbacks completed",
  commitments_kept: "Promises kept",
  commitments_broken: "Promises broken",
  tickets_escalated_open: "Escalated tickets open",
};

export type Period = 7 | 30 | 90 | null;

/** What an item's lateness means for its figure: "late"/"on time" for a callback, "broken"/"kept" for a promise, "repeated details" for a rating; "" when it does not apply. */
export function itemNote(figure: ScorecardFigure, late: boolean | null): string {
  if (late === null) return "";
  switch (figure) {
    case "callbacks_completed":
      return late ? "late" : "on time";
    case "commitments_kept":
    case "commitments_broken":
      return late ? "broken" : "kept";
    case "feedback":
    case "reasked":
      return late ? "repeated details" : "";
    default:
      return "";
  }
}

/** A period of whole days the user picks ("YYYY-MM-DD", both included), in their own time zone. */
export function customPeriod(from: string, to: string): { ok: true; period: ScorecardPeriod } | { ok: false; error: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from) || !day.test(to)) return { ok: false, error: "Choose the first and the last day." };
  const start = new Date(`${from}T00:00:00`);
  const end = new Date(`${to}T00:00:00`);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return { ok: false, error: "Choose the first and the last day." };
  if (end < start) return { ok: false, error: "The last day is before the first." };
  // The last day is included: the period ends at the next midnight.
  end.setDate(end.getDate() + 1);
  return { ok: true, period: { since: start.toISOString(), until: end.toISOString() } };
}

/** A figure a trend chart follows week by week, as a number (`null`: nothing to measure that week). */
export interface TrendFigure {
  key: string;
  label: string;
  value: (c: Scorecard) => number | null;
  show: (v: number | null) => string;
  /** Whether a higher value is better (the chart says which way is good). */
  higherIsBetter: boolean;
}

const share = (v: number | null): string => (v === null ? "—" : `${Math.round(v * 100)}%`);

export const TREND_FIGURES: TrendFigure[] = [
  { key: "on-time", label: "Callbacks on time", value: (c) => c.callbacks_on_time, show: share, higherIsBetter: true },
  {
    key: "kept",
    label: "Promises kept",
    value: (c) => (c.commitments_kept + c.commitments_broken > 0 ? c.commitments_kept / (c.commitments_kept + c.commitments_broken) : null),
    show: share,
    higherIsBetter: true,
  },
  { key: "csat", label: "CSAT", value: (c) => c.csat, show: (v) => (v === null ? "—" : v.toFixed(1)), higherIsBetter: true },
  { key: "nps", label: "NPS", value: (c) => c.nps, show: (v) => (v === null ? "—" : v.toFixed(0)), higherIsBetter: true },
  { key: "reasked", label: "Re-asked details", value: (c) => reaskedShare(c), show: share, higherIsBetter: false },
  { key: "propagation", label: "Time to propagate", value: (c) => c.propagation_p50_ms, show: (v) => formatLag(v), higherIsBetter: false },
];

/** Where each week's value sits in a `width` × `height` box, scaled to the values' own range; `null` for a week with nothing. */
export function sparkPoints(values: (number | null)[], width: number, height: number): ({ x: number; y: number } | null)[] {
  const known = values.filter((v): v is number => v !== null);
  const [lo, hi] = [Math.min(...known), Math.max(...known)];
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => (v === null ? null : { x: i * step, y: hi === lo ? height / 2 : height - ((v - lo) / (hi - lo)) * height }));
}

/** An SVG path through the weeks' points (oldest first); a week with nothing to measure breaks the line. */
export function sparkline(values: (number | null)[], width: number, height: number): string {
  let path = "";
  let drawing = false;
  for (const p of sparkPoints(values, width, height)) {
    if (p === null) {
      drawing = false;
      continue;
    }
    path += `${drawing ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
    drawing = true;
  }
  return path;
}

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
