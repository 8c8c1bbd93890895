import { describe, expect, it } from "vitest";
import { formatAgo, formatPhone, syncSummary } from "./format";
import type { SyncStatus } from "./bindings/SyncStatus";

const base: SyncStatus = {
  connectivity: "online",
  pending: 0,
  rejected: 0,
  conflicts: 0,
  last_sync_at: null,
  last_error: null,
  initial_sync: false,
};

describe("formatPhone", () => {
  it("groups UK numbers the way people read them", () => {
    expect(formatPhone("+447946000202")).toBe("+44 7946 000202");
    expect(formatPhone("+441865123456")).toBe("+44 1865 123456");
  });
  it("groups North American numbers", () => {
    expect(formatPhone("+12025550143")).toBe("+1 202 555 0143");
  });
  it("leaves anything that is not E.164 alone", () => {
    expect(formatPhone("07946 000202")).toBe("07946 000202");
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
