import { describe, expect, it } from "vitest";
import type { JobRow } from "../../lib/bindings/JobRow";
import type { JobStatus } from "../../lib/bindings/JobStatus";
import { countByStatus, flatten, groupByDay, rangeFor } from "./board";

const now = new Date(2026, 10, 23, 9, 30);

function row(id: string, start: Date | null, status: JobStatus = "scheduled"): JobRow {
  return {
    customer_name: `Customer ${id}`,
    contact: null,
    next: [],
    job: {
      id,
      number: `J-${id}`,
      customer_id: `cus_${id}`,
      org_id: "fixright",
      org_name: "FixRight",
      kind: "installation",
      status,
      summary: "Install",
      contact_person_id: null,
      address_id: null,
      order_id: null,
      appointment_start: start ? start.toISOString() : null,
      appointment_end: null,
      updated_at: now.toISOString(),
    },
  };
}

describe("the jobs board", () => {
  it("covers today, tomorrow or the next seven days in local time", () => {
    expect(rangeFor("today", now)).toEqual({ from: new Date(2026, 10, 23), to: new Date(2026, 10, 24) });
    expect(rangeFor("tomorrow", now)).toEqual({ from: new Date(2026, 10, 24), to: new Date(2026, 10, 25) });
    expect(rangeFor("week", now).to).toEqual(new Date(2026, 10, 30));
  });

  it("groups jobs by appointment day, labels today and tomorrow, unbooked last", () => {
    const groups = groupByDay(
      [row("1", null), row("2", new Date(2026, 10, 23, 10)), row("3", new Date(2026, 10, 24, 8)), row("4", new Date(2026, 10, 23, 14))],
      now,
    );
    expect(groups.map((g) => g.rows.map((r) => r.job.id))).toEqual([["2", "4"], ["3"], ["1"]]);
    expect(groups[0]?.label.startsWith("Today")).toBe(true);
    expect(groups[1]?.label.startsWith("Tomorrow")).toBe(true);
    expect(groups[2]?.label).toBe("Not booked yet");
    expect(flatten(groups).map((i) => i.kind)).toEqual(["day", "job", "job", "day", "job", "day", "job"]);
  });

  it("counts jobs per status", () => {
    const counts = countByStatus([row("1", null, "delayed"), row("2", null, "delayed"), row("3", null, "en_route")]);
    expect(counts.get("delayed")).toBe(2);
    expect(counts.get("en_route")).toBe(1);
    expect(counts.get("completed")).toBeUndefined();
  });
});
