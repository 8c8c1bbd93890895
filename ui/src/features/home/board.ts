// The jobs board's arithmetic: which days a range covers, jobs grouped by
// appointment day, and counts per status.
import type { JobRow } from "../../lib/bindings/JobRow";
import { USER_LOCALE } from "../../lib/format";
import type { JobStatus } from "../../lib/bindings/JobStatus";

export type BoardRange = "today" | "tomorrow" | "week";

const startOfDay = (d: Date): Date => new Date(d.getFullYear(), d.getMonth(), d.getDate());
const addDays = (d: Date, n: number): Date => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);

/** The local-time interval [from, to) a range shows. */
export function rangeFor(range: BoardRange, now: Date): { from: Date; to: Date } {
  const today = startOfDay(now);
  if (range === "today") return { from: today, to: addDays(today, 1) };
  if (range === "tomorrow") return { from: addDays(today, 1), to: addDays(today, 2) };
  return { from: today, to: addDays(today, 7) };
}

/** The board's columns, in the order work moves. */
export const BOARD_STATUSES: JobStatus[] = ["scheduled", "en_route", "at_depot", "delayed", "completed", "failed", "created", "cancelled"];

export function countByStatus(rows: JobRow[]): Map<JobStatus, number> {
  const counts = new Map<JobStatus, number>();
  for (const r of rows) counts.set(r.job.status, (counts.get(r.job.status) ?? 0) + 1);
  return counts;
}

export interface DayGroup {
  /** Local date "2026-11-23", or "unscheduled". */
  key: string;
  label: string;
  rows: JobRow[];
}

function localKey(d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Jobs grouped by appointment day (in the order given), unscheduled last. */
export function groupByDay(rows: JobRow[], now: Date, locale = USER_LOCALE): DayGroup[] {
  const groups = new Map<string, DayGroup>();
  const today = localKey(now);
  const tomorrow = localKey(addDays(startOfDay(now), 1));
  for (const r of rows) {
    const start = r.job.appointment_start ? new Date(r.job.appointment_start) : null;
    const key = start ? localKey(start) : "unscheduled";
    let g = groups.get(key);
    if (!g) {
      const day = start ? start.toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long" }) : "";
      const label = !start ? "Not booked yet" : key === today ? `Today · ${day}` : key === tomorrow ? `Tomorrow · ${day}` : day;
      g = { key, label, rows: [] };
      groups.set(key, g);
    }
    g.rows.push(r);
  }
  const out = [...groups.values()];
  return [...out.filter((g) => g.key !== "unscheduled"), ...out.filter((g) => g.key === "unscheduled")];
}

/** A flat list for a virtualised view: each day's heading, then its jobs. */
export type BoardItem = { kind: "day"; group: DayGroup } | { kind: "job"; row: JobRow };

export function flatten(groups: DayGroup[]): BoardItem[] {
  return groups.flatMap((g): BoardItem[] => [{ kind: "day", group: g }, ...g.rows.map((row): BoardItem => ({ kind: "job", row }))]);
}
