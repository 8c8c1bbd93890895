import { describe, expect, it } from "vitest";
import type { Scorecard } from "../../lib/bindings/Scorecard";
import { csvName, scorecardsCsv } from "./scorecards";

const card: Scorecard = {
  org_id: "brightline",
  org_name: 'Brightline "Installs", Ltd',
  since: "2026-11-02T10:00:00Z",
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
};

describe("scorecards as CSV", () => {
  it("has a header and one row per partner, with the server's figures as they are", () => {
    const lines = scorecardsCsv([card, { ...card, org_id: "p", org_name: "PageTurn", csat: null, nps: null }]).split("\r\n");
    expect(lines[0]).toBe(
      "Partner,Period from,Jobs open,Jobs completed,Jobs failed,Ratings,CSAT (1-5),NPS,Callbacks completed,Callbacks on time,Callbacks due now,Promises kept,Promises broken,Escalated tickets open",
    );
    expect(lines[1]).toBe('"Brightline ""Installs"", Ltd",2026-11-02T10:00:00Z,3,12,1,4,4.25,50,8,0.875,0,5,1,1');
    expect(lines[2]).toBe("PageTurn,2026-11-02T10:00:00Z,3,12,1,4,,,8,0.875,0,5,1,1");
    expect(lines[3]).toBe("");
  });
  it("names the file by its period and day", () => {
    expect(csvName(30, new Date("2026-12-02T09:00:00Z"))).toBe("baton-scorecards-30-days-2026-12-02.csv");
    expect(csvName(null, new Date("2026-12-02T09:00:00Z"))).toBe("baton-scorecards-all-time-2026-12-02.csv");
  });
});
