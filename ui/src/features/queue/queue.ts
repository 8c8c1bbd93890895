// The supervisor queue's logic, kept out of the component so it can be tested.
import { formatDue } from "../../lib/format";
import type { FollowUpRef } from "../../lib/bindings/FollowUpRef";
import type { FollowUpRow } from "../../lib/bindings/FollowUpRow";
import type { QueueCounts } from "../../lib/bindings/QueueCounts";
import type { UserInfo } from "../../lib/bindings/UserInfo";

/** Where each role's queue starts: a supervisor sees every organisation's, a
 *  partner dispatcher its organisation's, an agent their own follow-ups. */
export function startingFilter(user: UserInfo): { org: string; agent: string } {
  switch (user.role) {
    case "supervisor":
    case "admin":
      return { org: "", agent: "" };
    case "partner_dispatcher":
      return { org: user.org.id, agent: "" };
    case "agent":
      return { org: "", agent: user.id };
  }
}

/** A row's key: a callback and a commitment may share an id. */
export function keyOf(row: Pick<FollowUpRow, "kind" | "id">): string {
  return `${row.kind}:${row.id}`;
}

/** The end of the user's day (local time), for "due today". */
export function endOfToday(now: Date): Date {
  const end = new Date(now);
  end.setHours(23, 59, 59, 999);
  return end;
}

/** The selected rows as the backend takes them, in the order shown. */
export function selectedRefs(rows: FollowUpRow[], selected: ReadonlySet<string>): FollowUpRef[] {
  return rows
    .filter((r) => selected.has(keyOf(r)))
    .map((r) => ({ customer_id: r.customer_id, item: { kind: r.kind, id: r.id } }));
}

/** Drops selected keys that are no longer shown (after a refresh or a filter). */
export function keepVisible(selected: ReadonlySet<string>, rows: FollowUpRow[]): Set<string> {
  const shown = new Set(rows.map(keyOf));
  return new Set([...selected].filter((k) => shown.has(k)));
}

/** "3 min", "2 h", "4 days". */
function span(m: number): string {
  const a = Math.abs(m);
  if (a < 60) return `${a} min`;
  if (a < 48 * 60) return `${Math.round(a / 60)} h`;
  return `${Math.round(a / 1440)} days`;
}

/**
 * "Overdue 2 h", "due in 35 min", "due Tue 14:00", "waiting for its condition".
 * When the owner keeps business hours, the time is its opening hours' ("1 h of
 * opening hours left · opens Tue 08:00"): a night or a holiday is not counted,
 * and an item due while closed is not late until the owner opens.
 */
export function dueLabel(row: FollowUpRow, now: Date): string {
  if (row.waiting || !row.due_at) return "waiting for its condition";
  const end = new Date(row.due_until ?? row.due_at);
  const minutes = Math.round((end.getTime() - now.getTime()) / 60000);
  if (row.business) {
    const { minutes: open, opens_at } = row.business;
    const opens = opens_at ? ` · opens ${formatDue(opens_at)}` : "";
    if (open < 0) return `overdue ${span(open)} of opening hours${opens}`;
    if (open === 0 || minutes <= 0) return `due when it opens${opens}`;
    const when = minutes >= 24 * 60 ? ` · due ${formatDue(row.due_at)}` : "";
    return `${span(open)} of opening hours left${when}${opens}`;
  }
  if (minutes <= 0) return `overdue ${span(minutes)}`;
  if (minutes < 24 * 60) return `due in ${span(minutes)}`;
  return `due ${formatDue(row.due_at)}`;
}

/** Totals across organisations, for the header. */
export function totals(counts: QueueCounts[]): { open: number; overdue: number; escalated: number } {
  return counts.reduce(
    (t, c) => ({
      open: t.open + c.callbacks_open + c.commitments_open,
      overdue: t.overdue + c.callbacks_overdue + c.commitments_overdue,
      escalated: t.escalated + c.callbacks_escalated + c.commitments_escalated,
    }),
    { open: 0, overdue: 0, escalated: 0 },
  );
}

/** A `datetime-local` value (the user's time) as an instant, or null if empty/invalid. */
export function fromLocalInput(value: string): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}
