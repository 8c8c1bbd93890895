// Display helpers with logic worth testing (see format.test.ts).
import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import type { Confirmation } from "./bindings/Confirmation";
import type { Connectivity } from "./bindings/Connectivity";
import type { EditState } from "./bindings/EditState";
import type { JobStatus } from "./bindings/JobStatus";
import type { PersonRole } from "./bindings/PersonRole";
import type { SnapshotProgress } from "./bindings/SnapshotProgress";
import type { SyncStatus } from "./bindings/SyncStatus";
import { regionOf, userLocale } from "./locale";

/** The locale and country everything on screen is written for (see locale.ts). */
export const USER_LOCALE = userLocale();
const USER_REGION = regionOf(USER_LOCALE);

/**
 * A phone number as the user reads it: national format for a number of the
 * user's own country ("07946 000202" for a UK user), international otherwise
 * ("+44 7946 000202"). What cannot be parsed is shown as stored.
 */
export function formatPhone(e164: string, region: string | null = USER_REGION): string {
  const n = parsePhoneNumberFromString(e164);
  if (!n) return e164;
  return region && n.country === region ? n.formatNational() : n.formatInternational();
}

const ROLE_LABELS: Record<PersonRole, string> = {
  account_holder: "Account holder",
  site_contact: "On-site contact",
  authorised_third_party: "Authorised third party",
};
export const roleLabel = (r: PersonRole): string => ROLE_LABELS[r];

const STATUS_LABELS: Record<JobStatus, string> = {
  created: "Created",
  scheduled: "Scheduled",
  en_route: "En route",
  at_depot: "At depot",
  delayed: "Delayed",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};
export const jobStatusLabel = (s: JobStatus): string => STATUS_LABELS[s];

const EDIT_LABELS: Record<EditState, string> = {
  saved_locally: "Saved locally",
  synced: "Synced",
  conflict: "Conflict",
  rejected: "Rejected",
};
export const editStateLabel = (s: EditState): string => EDIT_LABELS[s];

/** A time window on one day: "Tue 24 Nov, 10:00–12:00". */
export function formatWindow(start: string | null, end: string | null, locale = USER_LOCALE): string {
  if (!start) return "Not booked";
  const { day, time } = windowFormats(locale);
  const s = new Date(start);
  return end ? `${day.format(s)}, ${time.format(s)}–${time.format(new Date(end))}` : `${day.format(s)}, ${time.format(s)}`;
}

const WINDOW_FORMATS = new Map<string, { day: Intl.DateTimeFormat; time: Intl.DateTimeFormat }>();
function windowFormats(locale: string): { day: Intl.DateTimeFormat; time: Intl.DateTimeFormat } {
  let f = WINDOW_FORMATS.get(locale);
  if (!f) {
    f = {
      day: new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short" }),
      time: new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }),
    };
    WINDOW_FORMATS.set(locale, f);
  }
  return f;
}

/** "just now", "5 min ago", "3 h ago", else a date. */
export function formatAgo(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return AGO_DAY.format(new Date(iso));
}
const AGO_DAY = new Intl.DateTimeFormat(USER_LOCALE, { day: "numeric", month: "short", year: "numeric" });

const CONNECTIVITY_LABELS: Record<Connectivity, string> = {
  connecting: "Connecting…",
  online: "Online",
  offline: "Offline",
  signed_out: "Session expired",
  update_required: "Update required",
};

/** The status-bar sentence: "Online · all changes synced", "Offline · 2 edits waiting". */
export function syncSummary(s: SyncStatus): string {
  const parts = [CONNECTIVITY_LABELS[s.connectivity]];
  if (s.snapshot) parts.push(snapshotProgress(s.snapshot));
  else if (s.initial_sync && s.connectivity === "online") parts.push("loading records");
  if (s.pending > 0) parts.push(`${s.pending} ${s.pending === 1 ? "edit" : "edits"} waiting to sync`);
  else if (s.connectivity === "online" && !s.initial_sync) parts.push("all changes synced");
  if (s.conflicts > 0) parts.push(`${s.conflicts} ${s.conflicts === 1 ? "conflict" : "conflicts"} to review`);
  if (s.rejected > 0) parts.push(`${s.rejected} rejected`);
  return parts.join(" · ");
}

const COUNT = new Intl.NumberFormat(USER_LOCALE);

/** A snapshot under way: "loading records: 120,000 of 1,000,000 (12%), about 2 min left". */
export function snapshotProgress(p: SnapshotProgress): string {
  const percent = p.total > 0 ? Math.floor((100 * p.received) / p.total) : 0;
  let text = `loading records: ${COUNT.format(p.received)} of ${COUNT.format(p.total)} (${percent}%)`;
  if (p.seconds_left !== null) text += `, ${timeLeft(p.seconds_left)}`;
  return text;
}

function timeLeft(seconds: number): string {
  if (seconds < 60) return "less than a minute left";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  return `about ${hours} h ${minutes % 60} min left`;
}

/** What happened to a confirmation, for the record: "Sent by email to …", "Retrying: …". */
export function deliveryLabel(c: Confirmation): string {
  const channel = c.channel === "sms" ? "SMS" : "email";
  // A partner is not shown an address its organisation may not see.
  const to = c.recipient ?? "the customer";
  switch (c.status) {
    case "sent":
      return `Sent by ${channel} to ${to}`;
    case "pending":
      return `Waiting to be sent by ${channel} to ${to}`;
    case "failed":
      return `Not sent yet (${c.attempts} ${c.attempts === 1 ? "attempt" : "attempts"}): ${c.last_error ?? "unknown error"}; retrying`;
    case "no_channel":
      return "Not sent: no consented email or mobile on file";
  }
}

// One formatter per format, made once: building an Intl formatter per call is the
// slowest part of painting a record with a long timeline.
const WHEN = new Intl.DateTimeFormat(USER_LOCALE, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const DUE = new Intl.DateTimeFormat(USER_LOCALE, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const DAY = new Intl.DateTimeFormat(USER_LOCALE, { day: "numeric", month: "short", year: "numeric" });
const TIME = new Intl.DateTimeFormat(USER_LOCALE, { hour: "2-digit", minute: "2-digit" });

/** A moment on the record: "23 Nov, 14:05". */
export const formatWhen = (iso: string): string => WHEN.format(new Date(iso));
/** A due time in a queue: "Tue 24 Nov, 10:00". */
export const formatDue = (iso: string): string => DUE.format(new Date(iso));
/** A date: "20 Nov 2026". */
export const formatDay = (iso: string): string => DAY.format(new Date(iso));
/** A time of day: "14:05". */
export const formatTime = (iso: string): string => TIME.format(new Date(iso));

/** "America/New_York" → "New York": the place a time zone is named after. */
export function zonePlace(zone: string): string {
  return (zone.split("/").pop() ?? zone).replaceAll("_", " ");
}

const ZONE_FORMATS = new Map<string, { time: Intl.DateTimeFormat; day: Intl.DateTimeFormat } | null>();
function zoneFormats(locale: string, zone: string | undefined): { time: Intl.DateTimeFormat; day: Intl.DateTimeFormat } | null {
  const key = `${locale}|${zone ?? ""}`;
  let f = ZONE_FORMATS.get(key);
  if (f === undefined) {
    try {
      f = {
        time: new Intl.DateTimeFormat(locale, { timeZone: zone, hour: "2-digit", minute: "2-digit" }),
        day: new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: "short" }),
      };
    } catch {
      f = null; // a zone this runtime does not know: say nothing rather than guess
    }
    ZONE_FORMATS.set(key, f);
  }
  return f;
}

/**
 * The customer's local time at `iso`, when their clock reads differently from
 * the user's: "05:00 New York time", with the day when that differs too
 * ("Wed 01:00 Sydney time"). `null` when the clocks agree or the zone is unknown.
 */
export function customerLocalTime(
  iso: string,
  zone: string | null | undefined,
  userZone: string | undefined = undefined,
  locale = USER_LOCALE,
): string | null {
  if (!zone) return null;
  const theirs = zoneFormats(locale, zone);
  const mine = zoneFormats(locale, userZone);
  if (!theirs || !mine) return null;
  const at = new Date(iso);
  const time = theirs.time.format(at);
  const day = theirs.day.format(at);
  if (time === mine.time.format(at) && day === mine.day.format(at)) return null;
  const when = day === mine.day.format(at) ? time : `${day} ${time}`;
  return `${when} ${zonePlace(zone)} time`;
}

// What the server writes into its texts: times in ISO 8601 (`2026-12-03T10:00Z`)
// and phone numbers in international form (`+44 7946 000202`).
const SERVER_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z/g;
const SERVER_PHONE = /\+\d{1,3}(?: \d{1,8}){1,4}\b/g;

/**
 * A server-written text (a timeline entry, a confirmation) in the user's
 * locale: its times in their format and time zone, its phone numbers as
 * `formatPhone` writes them. Everything else as written.
 */
export function localText(text: string, region: string | null = USER_REGION): string {
  return text
    .replace(SERVER_TIME, (iso) => formatDue(iso))
    .replace(SERVER_PHONE, (phone) => {
      const e164 = phone.replaceAll(" ", "");
      // Only what is a phone number; digits that merely follow one stay as written.
      return parsePhoneNumberFromString(e164)?.isPossible() ? formatPhone(e164, region) : phone;
    });
}
