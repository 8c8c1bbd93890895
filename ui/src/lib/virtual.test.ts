import { describe, expect, it } from "vitest";
import { scrollToShow, visibleWindow } from "./virtual";

describe("visibleWindow", () => {
  it("renders only the rows in view plus the overscan", () => {
    const w = visibleWindow(2000, 50, 5000, 500, 5);
    expect(w.start).toBe(95);
    expect(w.end).toBe(100 + 11 + 5);
    expect(w.before).toBe(95 * 50);
    expect(w.before + (w.end - w.start) * 50 + w.after).toBe(2000 * 50);
  });
  it("clamps at both ends", () => {
    expect(visibleWindow(10, 50, 0, 500, 5)).toEqual({ start: 0, end: 10, before: 0, after: 0 });
    const end = visibleWindow(100, 50, 1_000_000, 500, 5);
    expect(end.end).toBe(100);
    expect(end.start).toBeLessThan(100);
    expect(visibleWindow(0, 50, 0, 500)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
  });
});

describe("scrollToShow", () => {
  it("scrolls just enough to show a row above or below the view", () => {
    expect(scrollToShow(2, 50, 500, 300)).toBe(100);
    expect(scrollToShow(20, 50, 500, 300)).toBe(20 * 50 + 50 - 300);
    expect(scrollToShow(12, 50, 500, 300)).toBe(500);
  });
});
