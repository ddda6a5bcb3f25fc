// Text stays legible: no font size in the stylesheet below 13 px (issue #17).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("legibility", () => {
  it("has no text smaller than 13 px", () => {
    const css = readFileSync(join(__dirname, "style.css"), "utf8");
    const sizes = [...css.matchAll(/font-size:\s*([\d.]+)(px|rem|em)/g)].map(([, n, unit]) =>
      unit === "px" ? Number(n) : Number(n) * 16,
    );
    expect(sizes.length).toBeGreaterThan(5);
    expect(sizes.filter((px) => px < 13)).toEqual([]);
  });
});

describe("themes", () => {
  it("has the dark palette once, under data-theme (theme.ts applies the system's too)", () => {
    const css = readFileSync(join(__dirname, "style.css"), "utf8");
    expect(css).not.toContain("prefers-color-scheme");
    expect(css.match(/:root\[data-theme="dark"\]\s*\{/g)?.length).toBe(1);
  });
});
