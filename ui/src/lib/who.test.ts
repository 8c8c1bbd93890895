import { describe, expect, it } from "vitest";
import { whoToContact } from "./who";

describe("whoToContact", () => {
  it("names the job's contact and the account it belongs to", () => {
    expect(whoToContact("Arthur Hughes", { person_id: "p2", name: "Margaret Hughes", phone: "+447946000202" })).toEqual({
      name: "Margaret Hughes",
      phone: "+447946000202",
      account: "Arthur Hughes",
    });
  });
  it("does not repeat the name when the contact holds the account", () => {
    expect(whoToContact("Eleanor Price", { person_id: "p1", name: "Eleanor Price", phone: null }).account).toBeNull();
  });
  it("falls back to the customer when the job names nobody", () => {
    expect(whoToContact("Bethany Cole", null)).toEqual({ name: "Bethany Cole", phone: null, account: null });
  });
});
