import { describe, expect, it } from "vitest";
import type { FollowUpRow } from "../../lib/bindings/FollowUpRow";
import { formatDue } from "../../lib/format";
import { dueLabel, endOfToday, fromLocalInput, keepVisible, keyOf, selectedRefs, startingFilter, totals } from "./queue";

function row(over: Partial<FollowUpRow>): FollowUpRow {
  return {
    kind: "callback",
    id: "cb1",
    customer_id: "cus_1",
    customer_name: "Ann",
    contact: null,
    owner_org_id: "brightline",
    owner_org_name: "Brightline",
    owner_user_id: null,
    owner_name: null,
    text: "Call back",
    phone: "+447946000202",
    due_at: null,
    due_until: null,
    waiting: false,
    overdue: false,
    escalation: null,
    business: null,
    customer_time_zone: null,
    ...over,
  };
}

const now = new Date("2026-11-23T12:00:00Z");

describe("the supervisor queue", () => {
  it("keys rows by kind and id, so a callback and a commitment never collide", () => {
    expect(keyOf(row({}))).not.toBe(keyOf(row({ kind: "commitment" })));
  });

  it("turns the selection into references in the order shown", () => {
    const rows = [row({ id: "a" }), row({ id: "b", kind: "commitment", customer_id: "cus_2" }), row({ id: "c" })];
    const refs = selectedRefs(rows, new Set(["commitment:b", "callback:c"]));
    expect(refs).toEqual([
      { customer_id: "cus_2", item: { kind: "commitment", id: "b" } },
      { customer_id: "cus_1", item: { kind: "callback", id: "c" } },
    ]);
  });

  it("forgets selected rows that a refresh or filter no longer shows", () => {
    const kept = keepVisible(new Set(["callback:a", "callback:gone"]), [row({ id: "a" })]);
    expect([...kept]).toEqual(["callback:a"]);
  });

  it("says how late or how soon, and that a waiting callback has no due time", () => {
    expect(dueLabel(row({ waiting: true }), now)).toBe("waiting for its condition");
    expect(dueLabel(row({ due_at: "2026-11-23T10:00:00Z" }), now)).toBe("overdue 2 h");
    expect(dueLabel(row({ due_at: "2026-11-23T12:35:00Z" }), now)).toBe("due in 35 min");
    // A window is overdue only once it has closed.
    expect(dueLabel(row({ due_at: "2026-11-23T11:00:00Z", due_until: "2026-11-23T13:00:00Z" }), now)).toBe(
      "due in 1 h",
    );
  });

  it("counts only the owner's opening hours when it keeps business hours", () => {
    const due_at = "2026-11-23T10:00:00Z"; // two wall-clock hours ago
    const opens = formatDue("2026-11-24T08:00:00Z");
    // Late by 40 minutes of opening hours, closed now.
    expect(dueLabel(row({ due_at, business: { minutes: -40, opens_at: "2026-11-24T08:00:00Z" } }), now)).toBe(
      `overdue 40 min of opening hours · opens ${opens}`,
    );
    // Due while it was closed: not late until it opens.
    expect(dueLabel(row({ due_at, business: { minutes: 0, opens_at: "2026-11-24T08:00:00Z" } }), now)).toBe(
      `due when it opens · opens ${opens}`,
    );
    // Three days away on the wall clock, ten opening hours.
    const later = "2026-11-26T12:00:00Z";
    expect(dueLabel(row({ due_at: later, business: { minutes: 600, opens_at: null } }), now)).toBe(
      `10 h of opening hours left · due ${formatDue(later)}`,
    );
    expect(dueLabel(row({ due_at: "2026-11-23T14:00:00Z", business: { minutes: 45, opens_at: null } }), now)).toBe(
      "45 min of opening hours left",
    );
  });

  it("adds up the counts across organisations", () => {
    const c = (n: number) => ({
      org_id: "o",
      org_name: "O",
      callbacks_open: n,
      callbacks_overdue: 1,
      callbacks_escalated: 0,
      commitments_open: 2,
      commitments_overdue: 0,
      commitments_escalated: 1,
    });
    expect(totals([c(3), c(4)])).toEqual({ open: 11, overdue: 2, escalated: 2 });
  });

  it("starts each role on its own queue", () => {
    const user = (role: "agent" | "supervisor" | "partner_dispatcher") => ({
      id: "usr_x",
      username: "x",
      display_name: "X",
      role,
      org: { id: "brightline", name: "Brightline", kind: "partner" as const },
    });
    expect(startingFilter(user("supervisor"))).toEqual({ org: "", agent: "" });
    expect(startingFilter(user("partner_dispatcher"))).toEqual({ org: "brightline", agent: "" });
    expect(startingFilter(user("agent"))).toEqual({ org: "", agent: "usr_x" });
  });

  it("ends today at the last millisecond of the user's day", () => {
    const end = endOfToday(new Date(2026, 10, 23, 9, 30));
    expect([end.getDate(), end.getHours(), end.getMinutes()]).toEqual([23, 23, 59]);
  });

  it("reads the date-time picker's value, refusing an empty one", () => {
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("nonsense")).toBeNull();
    expect(fromLocalInput("2026-11-24T09:00")?.getHours()).toBe(9);
  });
});
