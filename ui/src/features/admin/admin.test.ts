import { describe, expect, it } from "vitest";
import type { AdminOrg } from "../../lib/bindings/AdminOrg";
import type { AdminUser } from "../../lib/bindings/AdminUser";
import { importGuess, importSummary } from "./admin";
import type { ImportReport } from "../../lib/bindings/ImportReport";
import { draftOf, formatMinutes, lastSeen, orgUpdate, parseSla, roleAfterMove, rolesFor, sortUsers, suggestId, validId, validUsername } from "./admin";

const partner: AdminOrg = {
  id: "brightline",
  name: "Brightline Installs",
  kind: "partner",
  visible_fields: ["phone", "address"],
  callback_sla_minutes: null,
  commitment_sla_minutes: 120,
  deactivated_at: null,
  active_users: 2,
  calendar: null,
};

function user(name: string, org: AdminUser["org"], extra: Partial<AdminUser> = {}): AdminUser {
  return { id: name, username: name, display_name: name, role: "agent", org, disabled_at: null, last_sign_in_at: null, sessions: 0, invite_pending: false, ...extra };
}

describe("the admin view", () => {
  it("offers only the roles the organisation's kind allows", () => {
    expect(rolesFor("retailer")).toEqual(["agent", "supervisor", "admin"]);
    expect(rolesFor("partner")).not.toContain("agent");
  });

  it("reads an SLA in whole minutes and never repairs one", () => {
    expect(parseSla("")).toEqual({ ok: true, value: null });
    expect(parseSla(" 90 ")).toEqual({ ok: true, value: 90 });
    expect(parseSla("9O").ok).toBe(false);
    expect(parseSla("1.5").ok).toBe(false);
    expect(parseSla("0").ok).toBe(false);
    expect(parseSla("10081").ok).toBe(false);
    expect(formatMinutes(90)).toBe("1 h 30 min");
    expect(formatMinutes(1560)).toBe("1 d 2 h");
    expect(formatMinutes(null)).toBe("Default");
  });

  it("sends only what the form changed, and 0 to return an SLA to the default", () => {
    const draft = draftOf(partner);
    expect(orgUpdate(partner, draft)).toEqual({ ok: true, value: {} });
    const changed = orgUpdate(partner, { ...draft, fields: ["address", "orders", "phone"], commitmentSla: "", callbackSla: "30" });
    expect(changed).toEqual({ ok: true, value: { visible_fields: ["phone", "address", "orders"], callback_sla_minutes: 30, commitment_sla_minutes: 0 } });
    expect(orgUpdate(partner, { ...draft, name: "  " }).ok).toBe(false);
    expect(orgUpdate(partner, { ...draft, callbackSla: "soon" }).ok).toBe(false);
  });

  it("suggests an id from a name and checks ids and usernames as the server does", () => {
    expect(suggestId("Swift Parcel Ltd.")).toBe("swift-parcel-ltd");
    expect(suggestId("Çà & Co")).toBe("ca-co");
    expect(validId("swift-parcel")).toBe(true);
    expect(validId("swift parcel")).toBe(false);
    expect(validUsername("dan.brooks@brightline")).toBe(true);
    expect(validUsername("d")).toBe(false);
  });

  it("says when someone last signed in, or that they still have to set a password", () => {
    const now = new Date(2026, 11, 2, 15, 0);
    const org = { id: "n", name: "Northwind", kind: "retailer" as const };
    expect(lastSeen(user("a", org, { invite_pending: true }), now)).toContain("Invited");
    expect(lastSeen(user("a", org), now)).toBe("Never signed in");
    expect(lastSeen(user("a", org, { last_sign_in_at: new Date(2026, 11, 2, 9, 5).toISOString() }), now)).toBe("Today 09:05");
  });

  it("lists the retailer's people first, then each partner's, by name", () => {
    const retailer = { id: "n", name: "Northwind", kind: "retailer" as const };
    const bright = { id: "b", name: "Brightline", kind: "partner" as const };
    const swift = { id: "s", name: "Swift", kind: "partner" as const };
    const order = sortUsers([user("zoe", swift), user("yan", bright), user("bob", retailer), user("amy", bright)]).map((u) => u.display_name);
    expect(order).toEqual(["bob", "amy", "yan", "zoe"]);
  });
});

describe("moving a user", () => {
  it("keeps their role where the new organisation has it, else takes its first", () => {
    expect(roleAfterMove("admin", "partner")).toBe("admin");
    expect(roleAfterMove("supervisor", "retailer")).toBe("supervisor");
    expect(roleAfterMove("partner_dispatcher", "retailer")).toBe("agent");
    expect(roleAfterMove("agent", "partner")).toBe("partner_dispatcher");
  });
});

describe("importing a file from the Admin view", () => {
  it("reads what a file holds and its format from its name, as the server's command does", () => {
    expect(importGuess("customers.csv")).toEqual({ kind: "customers", format: "csv" });
    expect(importGuess("contact_points.jsonl")).toEqual({ kind: "contact_points", format: "jsonl" });
    expect(importGuess("Jobs-2026-12.NDJSON")).toEqual({ kind: "jobs", format: "jsonl" });
    expect(importGuess("orders_week49.csv")).toEqual({ kind: "orders", format: "csv" });
    // A name that does not say is left for the administrator to choose, not guessed.
    expect(importGuess("export.csv")).toEqual({ kind: null, format: "csv" });
    expect(importGuess("customersX.csv").kind).toBeNull();
    expect(importGuess("people.xlsx")).toEqual({ kind: "people", format: null });
  });
  it("says how an import stands", () => {
    const r: ImportReport = {
      id: "imp_1",
      kind: "customers",
      format: "csv",
      status: "done",
      rows_read: 1204,
      rows_imported: 1198,
      rows_rejected: 6,
      rejections: [],
      error: null,
      created_at: "2026-12-03T10:00:00Z",
      finished_at: "2026-12-03T10:00:02Z",
    };
    expect(importSummary(r, "en-GB")).toBe("1,204 rows read · 1,198 imported · 6 refused — done");
    expect(importSummary({ ...r, status: "running", rows_read: 1, rows_imported: 1, rows_rejected: 0 }, "en-GB")).toBe(
      "1 row read · 1 imported — importing…",
    );
    expect(importSummary({ ...r, status: "failed", error: "not UTF-8" }, "en-GB")).toContain("failed: not UTF-8");
  });
});
