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
  it("has one dark palette, whether the system chose it or the person did", () => {
    const css = readFileSync(join(__dirname, "style.css"), "utf8");
    const vars = (selector: string) => {
      const at = css.indexOf(selector);
      expect(at).toBeGreaterThan(0);
      const body = css.slice(css.indexOf("{", at) + 1, css.indexOf("}", at));
      return [...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map(([, k, v]) => `${k}=${v.trim()}`);
    };
    const system = vars(':root:not([data-theme="light"])');
    expect(system.length).toBeGreaterThan(10);
    expect(vars(':root[data-theme="dark"]')).toEqual(system);
  });
});
