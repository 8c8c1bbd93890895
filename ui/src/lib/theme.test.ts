import { describe, expect, it } from "vitest";
import { nextChoice, parseChoice, resolveTheme } from "./theme";

describe("themes", () => {
  it("follows the system until the user chooses", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("dark", false)).toBe("dark");
  });
  it("cycles system → dark → light → system", () => {
    expect(nextChoice("system")).toBe("dark");
    expect(nextChoice("dark")).toBe("light");
    expect(nextChoice("light")).toBe("system");
  });
  it("reads anything unknown as system", () => {
    expect(parseChoice(null)).toBe("system");
    expect(parseChoice("purple")).toBe("system");
    expect(parseChoice("dark")).toBe("dark");
  });
});
