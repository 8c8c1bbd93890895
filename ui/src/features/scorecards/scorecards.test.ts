import { describe, expect, it } from "vitest";
import type { Scorecard } from "../../lib/bindings/Scorecard";
import { csvName, customPeriod, FIGURE_LABELS, formatLag, itemNote, reaskedShare, scorecardsCsv, sparkline, sparkPoints, TREND_FIGURES } from "./scorecards";

const card: Scorecard = {
  org_id: "brightline",
  org_name: 'Brightline "Installs", Ltd',
  since: "2026-11-02T10:00:00Z",
  until: null,
  jobs_open: 3,
  jobs_completed: 12,
  jobs_failed: 1,
  feedback_count: 4,
  csat: 4.25,
  nps: 50,
  callbacks_due: 0,
  callbacks_completed: 8,
  callbacks_on_time: 0.875,
  commitments_kept: 5,
  commitments_broken: 1,
  tickets_escalated_open: 1,
  reasked_answers: 4,
  reasked: 1,
  propagated: 20,
  propagation_p50_ms: 180,
  propagation_p95_ms: 1450,
};

describe("scorecards as CSV", () => {
  it("has a header and one row per partner, with the server's figures as they are", () => {
    const lines = scorecardsCsv([card, { ...card, org_id: "p", org_name: "PageTurn", csat: null, nps: null }]).split("\r\n");
    expect(lines[0]).toBe(
      "Partner,Period from,Jobs open,Jobs completed,Jobs failed,Ratings,CSAT (1-5),NPS,Callbacks completed,Callbacks on time,Callbacks due now,Promises kept,Promises broken,Escalated tickets open," +
        "Asked whether they repeated anything,Had to repeat details,Changes propagated live,Time to propagate median (ms),Time to propagate 95th percentile (ms)",
    );
    expect(lines[1]).toBe('"Brightline ""Installs"", Ltd",2026-11-02T10:00:00Z,3,12,1,4,4.25,50,8,0.875,0,5,1,1,4,1,20,180,1450');
    expect(lines[2]).toBe("PageTurn,2026-11-02T10:00:00Z,3,12,1,4,,,8,0.875,0,5,1,1,4,1,20,180,1450");
    expect(lines[3]).toBe("");
  });
  it("shows re-asked details as a share of those asked, and none when nobody was", () => {
    expect(reaskedShare(card)).toBe(0.25);
    expect(reaskedShare({ ...card, reasked_answers: 0, reasked: 0 })).toBeNull();
  });
  it("reads a delay the way people say it", () => {
    expect([null, 0, 180, 999, 1500, 12_400, 89_000, 150_000, 5_400_000, 9_000_000].map(formatLag)).toEqual([
      "—", "0 ms", "180 ms", "999 ms", "1.5 s", "12 s", "89 s", "3 min", "1.5 h", "2.5 h",
    ]);
  });
  it("names the file by its period and day", () => {
    expect(csvName(30, new Date("2026-12-02T09:00:00Z"))).toBe("baton-scorecards-30-days-2026-12-02.csv");
    expect(csvName(null, new Date("2026-12-02T09:00:00Z"))).toBe("baton-scorecards-all-time-2026-12-02.csv");
  });
});

describe("a custom period", () => {
  it("runs from the first day's midnight to the midnight after the last, in the user's zone", () => {
    expect(customPeriod("2026-11-01", "2026-11-30")).toEqual({
      ok: true,
      period: { since: new Date(2026, 10, 1).toISOString(), until: new Date(2026, 11, 1).toISOString() },
    });
    expect(customPeriod("2026-12-03", "2026-12-03")).toEqual({
      ok: true,
      period: { since: new Date(2026, 11, 3).toISOString(), until: new Date(2026, 11, 4).toISOString() },
    });
  });
  it("refuses a missing day or a last day before the first", () => {
    expect(customPeriod("", "2026-11-30")).toEqual({ ok: false, error: "Choose the first and the last day." });
    expect(customPeriod("2026-11-30", "2026-11-01")).toEqual({ ok: false, error: "The last day is before the first." });
    expect(customPeriod("2026-13-45", "2026-11-01")).toMatchObject({ ok: false });
  });
});

describe("trend charts", () => {
  it("draw a line through the weeks, scaled to their range, broken where a week has nothing", () => {
    expect(sparkline([1, 3, 2], 100, 20)).toBe("M0.0,20.0L50.0,0.0L100.0,10.0");
    expect(sparkline([1, null, 1], 100, 20)).toBe("M0.0,10.0M100.0,10.0");
    expect(sparkline([null, null], 100, 20)).toBe("");
    // Each week with a value is a point, even a lone one.
    expect(sparkPoints([null, 4, null], 100, 20)).toEqual([null, { x: 50, y: 10 }, null]);
  });
  it("follow the figures the brief names, each as the scorecard computes it", () => {
    const value = (key: string): number | null => TREND_FIGURES.find((f) => f.key === key)!.value(card);
    expect(value("on-time")).toBe(0.875);
    expect(value("kept")).toBeCloseTo(5 / 6);
    expect(value("csat")).toBe(4.25);
    expect(value("nps")).toBe(50);
    expect(value("reasked")).toBe(0.25);
    expect(value("propagation")).toBe(180);
    expect(TREND_FIGURES.find((f) => f.key === "kept")!.value({ ...card, commitments_kept: 0, commitments_broken: 0 })).toBeNull();
  });
});

describe("the items behind a number", () => {
  it("say what lateness means for each figure", () => {
    expect(itemNote("callbacks_completed", true)).toBe("late");
    expect(itemNote("callbacks_completed", false)).toBe("on time");
    expect(itemNote("commitments_broken", true)).toBe("broken");
    expect(itemNote("reasked", true)).toBe("repeated details");
    expect(itemNote("feedback", false)).toBe("");
    expect(itemNote("jobs_open", null)).toBe("");
  });
  it("have a heading for every figure", () => {
    expect(Object.keys(FIGURE_LABELS)).toHaveLength(10);
  });
});
