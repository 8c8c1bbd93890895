import { describe, expect, it } from "vitest";
import { formatAgo, formatDue, formatPhone, localText, snapshotProgress, syncSummary } from "./format";
import { regionOf, supported } from "./locale";
import type { SyncStatus } from "./bindings/SyncStatus";

const base: SyncStatus = {
  connectivity: "online",
  pending: 0,
  rejected: 0,
  conflicts: 0,
  last_sync_at: null,
  last_error: null,
  initial_sync: false,
  snapshot: null,
};

describe("formatPhone", () => {
  it("writes a number of the user's own country the national way", () => {
    expect(formatPhone("+447946000202", "GB")).toBe("07946 000202");
    expect(formatPhone("+441865123456", "GB")).toBe("01865 123456");
    expect(formatPhone("+12025550143", "US")).toBe("(202) 555-0143");
  });
  it("writes another country's number internationally", () => {
    expect(formatPhone("+447946000202", "US")).toBe("+44 7946 000202");
    expect(formatPhone("+12025550143", "GB")).toBe("+1 202 555 0143");
    expect(formatPhone("+447946000202", null)).toBe("+44 7946 000202");
  });
  it("leaves anything that is not a phone number alone", () => {
    expect(formatPhone("07946 000202", "GB")).toBe("07946 000202");
    expect(formatPhone("call me", "GB")).toBe("call me");
  });
});

describe("localText", () => {
  it("shows the server's times in the user's format and its numbers as the user reads them", () => {
    const iso = "2026-12-03T10:00Z";
    const text = localText(`Brightline will call you back on +44 7946 000202 (by ${iso})`, "GB");
    expect(text).toBe(`Brightline will call you back on 07946 000202 (by ${formatDue(iso)})`);
    expect(text).not.toContain("Z)");
  });
  it("leaves digits that are not a phone number as written", () => {
    expect(localText("Ref +44 7946 000202 2 4 9 1", "GB")).toBe("Ref +44 7946 000202 2 4 9 1");
  });
  it("leaves a text without times or numbers as written", () => {
    expect(localText("Bracket in the van. Order O-300001, job J-200011", "GB")).toBe(
      "Bracket in the van. Order O-300001, job J-200011",
    );
  });
});

describe("dates and times in the user's locale", () => {
  it("uses day-month and a 24-hour clock for a UK user, month-day and 12 hours for a US one", () => {
    const at = "2026-12-03T14:05:00Z";
    const opts = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" } as const;
    expect(new Intl.DateTimeFormat("en-GB", opts).format(new Date(at))).toBe("3 Dec, 14:05");
    expect(new Intl.DateTimeFormat("en-US", opts).format(new Date(at))).toBe("Dec 3, 02:05 PM");
    expect(regionOf("en-GB")).toBe("GB");
    expect(regionOf("fr")).toBe("FR");
    expect(supported("not a locale")).toBeNull();
  });
});

describe("syncSummary", () => {
  it("says all is synced when online with nothing pending", () => {
    expect(syncSummary(base)).toBe("Online · all changes synced");
  });
  it("counts waiting edits offline, singular and plural", () => {
    expect(syncSummary({ ...base, connectivity: "offline", pending: 1 })).toBe("Offline · 1 edit waiting to sync");
    expect(syncSummary({ ...base, connectivity: "offline", pending: 3 })).toBe("Offline · 3 edits waiting to sync");
  });
  it("asks for conflicts to be reviewed", () => {
    expect(syncSummary({ ...base, conflicts: 1 })).toBe("Online · all changes synced · 1 conflict to review");
  });
  it("shows rejected edits and an expired session", () => {
    expect(syncSummary({ ...base, connectivity: "signed_out", rejected: 2 })).toBe("Session expired · 2 rejected");
  });
});

describe("formatAgo", () => {
  const now = new Date("2026-11-23T12:00:00Z");
  it("uses coarse relative times", () => {
    expect(formatAgo("2026-11-23T11:59:50Z", now)).toBe("just now");
    expect(formatAgo("2026-11-23T11:50:00Z", now)).toBe("10 min ago");
    expect(formatAgo("2026-11-23T09:00:00Z", now)).toBe("3 h ago");
  });
});

import { deliveryLabel } from "./format";
import type { Confirmation } from "./bindings/Confirmation";

describe("confirmation delivery", () => {
  const base: Confirmation = {
    id: "f1", person_id: null, channel: "sms", recipient: "+447946000999", summary: "mobile changed",
    changed_by: "Alice Carter (Northwind Electricals)", org_id: "northwind", at: "2026-11-23T10:00:00Z",
    status: "sent", attempts: 1, last_error: null, next_attempt_at: null, sent_at: "2026-11-23T10:00:05Z",
  };
  it("says how it went out, or why it has not yet", () => {
    expect(deliveryLabel(base)).toBe("Sent by SMS to +447946000999");
    expect(deliveryLabel({ ...base, channel: "email", status: "pending", recipient: "a@example.com" })).toBe(
      "Waiting to be sent by email to a@example.com",
    );
    expect(deliveryLabel({ ...base, status: "failed", attempts: 2, last_error: "gateway down" })).toBe(
      "Not sent yet (2 attempts): gateway down; retrying",
    );
    expect(deliveryLabel({ ...base, status: "no_channel", channel: null, recipient: null })).toContain("no consented");
  });
  it("names no address the viewer's organisation may not see", () => {
    expect(deliveryLabel({ ...base, recipient: null })).toBe("Sent by SMS to the customer");
  });
});

import { customerLocalTime, zonePlace } from "./format";

describe("the customer's local time beside a due time", () => {
  // 3 December 2026, 10:00 UTC: 10:00 in London, 05:00 in New York, 21:00 in Sydney.
  const due = "2026-12-03T10:00:00Z";
  it("is said when the customer's clock reads differently, with the day when that differs", () => {
    expect(customerLocalTime(due, "America/New_York", "Europe/London", "en-GB")).toBe("05:00 New York time");
    expect(customerLocalTime(due, "Australia/Sydney", "Europe/London", "en-GB")).toBe("21:00 Sydney time");
    expect(customerLocalTime("2026-12-03T15:00:00Z", "Australia/Sydney", "Europe/London", "en-GB")).toBe(
      "Fri 02:00 Sydney time",
    );
  });
  it("is not said when the clocks agree, whatever the zone is called", () => {
    expect(customerLocalTime(due, "Europe/London", "Europe/London", "en-GB")).toBeNull();
    // Lisbon keeps London's clock in winter.
    expect(customerLocalTime(due, "Europe/Lisbon", "Europe/London", "en-GB")).toBeNull();
    // In summer Lisbon and London still agree; Madrid is an hour ahead.
    expect(customerLocalTime("2026-07-01T10:00:00Z", "Europe/Madrid", "Europe/London", "en-GB")).toBe("12:00 Madrid time");
  });
  it("says nothing for an unknown or missing zone rather than guess", () => {
    expect(customerLocalTime(due, null, "Europe/London", "en-GB")).toBeNull();
    expect(customerLocalTime(due, "Mars/Olympus", "Europe/London", "en-GB")).toBeNull();
  });
  it("names the place a zone is named after", () => {
    expect(zonePlace("America/Argentina/Buenos_Aires")).toBe("Buenos Aires");
  });
});

describe("snapshotProgress", () => {
  it("says how many records are in, of how many, and how long the rest takes", () => {
    const count = (n: number) => new Intl.NumberFormat().format(n);
    expect(snapshotProgress({ received: 120_000, total: 1_000_000, seconds_left: 130 })).toBe(
      `loading records: ${count(120_000)} of ${count(1_000_000)} (12%), about 2 min left`,
    );
    expect(snapshotProgress({ received: 500, total: 1_000, seconds_left: null })).toBe("loading records: 500 of 1,000 (50%)".replace("1,000", count(1_000)));
    expect(snapshotProgress({ received: 999, total: 1_000, seconds_left: 3 })).toContain("(99%), less than a minute left");
    expect(snapshotProgress({ received: 0, total: 0, seconds_left: null })).toContain("(0%)");
  });
  it("shows in the status bar while a snapshot loads", () => {
    const s = { ...base, initial_sync: true, snapshot: { received: 10, total: 40, seconds_left: 7200 } };
    expect(syncSummary(s)).toBe("Online · loading records: 10 of 40 (25%), about 2 h 0 min left");
  });
});
