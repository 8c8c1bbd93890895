import { describe, expect, it } from "vitest";
import type { BusinessCalendar } from "../../lib/bindings/BusinessCalendar";
import { calendarOf, hoursDraftOf, hoursSummary } from "./hours";

const carrier: BusinessCalendar = {
  time_zone: "Europe/London",
  hours: [
    ...(["monday", "tuesday", "wednesday", "thursday", "friday"] as const).map((day) => ({
      day,
      opens: "08:00",
      closes: "18:00",
    })),
    { day: "saturday", opens: "09:00", closes: "13:00" },
  ],
  holidays: [{ date: "2026-12-25", name: "Christmas Day" }],
};

describe("business hours", () => {
  it("edits a calendar and gives the same one back", () => {
    const draft = hoursDraftOf(carrier);
    expect(draft.week.saturday).toEqual([{ opens: "09:00", closes: "13:00" }]);
    expect(draft.week.sunday).toEqual([]);
    expect(calendarOf(draft)).toEqual({ ok: true, value: carrier });
  });

  it("starts a new calendar on weekdays in this computer's zone", () => {
    const draft = hoursDraftOf(null, "Europe/Dublin");
    expect(draft.timeZone).toBe("Europe/Dublin");
    expect(draft.week.monday).toEqual([{ opens: "09:00", closes: "17:30" }]);
    expect(draft.week.saturday).toEqual([]);
  });

  it("names the unfinished row instead of guessing", () => {
    const draft = hoursDraftOf(carrier);
    draft.week.tuesday = [{ opens: "8", closes: "18:00" }];
    const r = calendarOf(draft);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("Tuesday: '8' is not a time");
    const d2 = hoursDraftOf(carrier);
    d2.holidays.push({ date: "", name: "Founders' day" });
    const r2 = calendarOf(d2);
    expect(!r2.ok && r2.message).toContain("Founders' day");
  });

  it("sums the hours up in a line", () => {
    expect(hoursSummary(carrier)).toBe("Mon–Fri 08:00–18:00 · Sat 09:00–13:00 · Europe/London · 1 holiday");
    expect(hoursSummary(null)).toBe("Open around the clock");
  });
});
