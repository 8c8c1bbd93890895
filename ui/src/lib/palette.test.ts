import { describe, expect, it } from "vitest";
import { filterCommands, score } from "./palette";

const cmds = [
  { title: "Go to My work", keywords: "home" },
  { title: "Schedule a callback", keywords: "call phone ring" },
  { title: "Record a promise", keywords: "commitment" },
  { title: "Sign out", keywords: "log out logout" },
];

describe("command palette matching", () => {
  it("shows everything for an empty query, in order", () => {
    expect(filterCommands(cmds, "  ").map((c) => c.title)).toEqual(cmds.map((c) => c.title));
  });
  it("matches word starts in titles and keywords", () => {
    expect(filterCommands(cmds, "call").map((c) => c.title)).toEqual(["Schedule a callback"]);
    expect(filterCommands(cmds, "commit").map((c) => c.title)).toEqual(["Record a promise"]);
    expect(filterCommands(cmds, "logout").map((c) => c.title)).toEqual(["Sign out"]);
  });
  it("needs every word to match", () => {
    expect(filterCommands(cmds, "sched promise")).toEqual([]);
  });
  it("ranks title matches above keyword matches, and title starts first", () => {
    const list = [{ title: "Use the dark theme", keywords: "record" }, { title: "Record a promise" }];
    expect(filterCommands(list, "rec").map((c) => c.title)).toEqual(["Record a promise", "Use the dark theme"]);
    expect(score({ title: "Record a promise" }, "xyz")).toBeNull();
  });
  it("ignores punctuation and case", () => {
    expect(filterCommands(cmds, "SIGN-OUT!").map((c) => c.title)).toEqual(["Sign out"]);
  });
});
