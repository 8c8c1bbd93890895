// An organisation's business hours as the form edits them, and back. The rules
// (a real time zone, periods that close after they open and do not overlap,
// named holidays on distinct days) are the core's and the server's; this only
// turns the rows on screen into a calendar and says which row is unfinished.
import type { BusinessCalendar } from "../../lib/bindings/BusinessCalendar";
import type { Weekday } from "../../lib/bindings/Weekday";
import type { Parsed } from "./admin";

export const WEEKDAYS: Weekday[] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

export const WEEKDAY_LABELS: Record<Weekday, string> = {
  monday: "Monday",
  tuesday: "Tuesday",
  wednesday: "Wednesday",
  thursday: "Thursday",
  friday: "Friday",
  saturday: "Saturday",
  sunday: "Sunday",
};

export type Period = { opens: string; closes: string };
export type HolidayRow = { date: string; name: string };
export type HoursDraft = {
  timeZone: string;
  /** Each day's periods, Monday first; none: closed. */
  week: Record<Weekday, Period[]>;
  holidays: HolidayRow[];
};

/** The zone this computer is set to, as a starting point. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "Europe/London";
}

/** Every time zone name the system knows, for the picker (empty if it cannot say). */
export function timeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
}

/** The form's rows for a calendar; with none, weekdays 09:00–17:30 as a start. */
export function hoursDraftOf(cal: BusinessCalendar | null, zone: string = localZone()): HoursDraft {
  const week = Object.fromEntries(WEEKDAYS.map((d) => [d, [] as Period[]])) as Record<Weekday, Period[]>;
  if (!cal) {
    for (const d of WEEKDAYS.slice(0, 5)) week[d] = [{ opens: "09:00", closes: "17:30" }];
    return { timeZone: zone, week, holidays: [] };
  }
  for (const h of cal.hours) week[h.day].push({ opens: h.opens, closes: h.closes });
  return {
    timeZone: cal.time_zone,
    week,
    holidays: cal.holidays.map((h) => ({ date: h.date, name: h.name })),
  };
}

const TIME = /^([01]\d|2[0-4]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The calendar the rows describe, or which row is unfinished. */
export function calendarOf(draft: HoursDraft): Parsed<BusinessCalendar> {
  const hours: BusinessCalendar["hours"] = [];
  for (const day of WEEKDAYS) {
    for (const p of draft.week[day]) {
      for (const t of [p.opens, p.closes]) {
        if (!TIME.test(t.trim())) {
          return { ok: false, message: `${WEEKDAY_LABELS[day]}: '${t}' is not a time such as 08:30 (24-hour clock)` };
        }
      }
      hours.push({ day, opens: p.opens.trim(), closes: p.closes.trim() });
    }
  }
  const holidays: BusinessCalendar["holidays"] = [];
  for (const h of draft.holidays) {
    if (!DATE.test(h.date)) return { ok: false, message: `Pick a date for the holiday '${h.name || "(unnamed)"}'` };
    holidays.push({ date: h.date, name: h.name });
  }
  return { ok: true, value: { time_zone: draft.timeZone.trim(), hours, holidays } };
}

/** "Mon–Fri 08:00–18:00 · Sat 09:00–13:00 · Europe/London · 2 holidays". */
export function hoursSummary(cal: BusinessCalendar | null): string {
  if (!cal) return "Open around the clock";
  const byDay = new Map<Weekday, string>();
  for (const h of cal.hours) {
    const prev = byDay.get(h.day);
    byDay.set(h.day, prev ? `${prev}, ${h.opens}–${h.closes}` : `${h.opens}–${h.closes}`);
  }
  // Runs of neighbouring days with the same hours: "Mon–Fri 08:00–18:00".
  const runs: { first: Weekday; last: Weekday; times: string }[] = [];
  for (const day of WEEKDAYS) {
    const times = byDay.get(day);
    const prev = runs.at(-1);
    if (!times) continue;
    if (prev && prev.times === times && WEEKDAYS.indexOf(prev.last) === WEEKDAYS.indexOf(day) - 1) prev.last = day;
    else runs.push({ first: day, last: day, times });
  }
  const short = (d: Weekday): string => WEEKDAY_LABELS[d].slice(0, 3);
  const groups = runs.map((r) => `${r.first === r.last ? short(r.first) : `${short(r.first)}–${short(r.last)}`} ${r.times}`);
  const n = cal.holidays.length;
  return [...groups, cal.time_zone, ...(n ? [`${n} ${n === 1 ? "holiday" : "holidays"}`] : [])].join(" · ");
}
