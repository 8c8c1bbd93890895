import { describe, expect, it } from "vitest";
import type { Scorecard } from "../../lib/bindings/Scorecard";
import { csvName, formatLag, reaskedShare, scorecardsCsv } from "./scorecards";

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
