// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import { applyTheme, chooseTheme, storedTheme } from "./theme";

describe("the appearance choice", () => {
  beforeEach(() => {
    localStorage.clear();
    delete document.documentElement.dataset.theme;
  });

  it("follows the system until the person chooses, and keeps the choice", () => {
    expect(storedTheme()).toBe("system");
    chooseTheme("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(storedTheme()).toBe("dark");
    chooseTheme("system");
    // jsdom's system prefers nothing: light.
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(storedTheme()).toBe("system");
  });

  it("follows the system's dark preference when asked to", () => {
    const dark = { matches: true, addEventListener: () => {} } as unknown as MediaQueryList;
    globalThis.matchMedia = ((q: string) => (q.includes("dark") ? dark : null)) as typeof matchMedia;
    try {
      applyTheme("system");
      expect(document.documentElement.dataset.theme).toBe("dark");
      applyTheme("light");
      expect(document.documentElement.dataset.theme).toBe("light");
    } finally {
      delete (globalThis as { matchMedia?: unknown }).matchMedia;
    }
  });

  it("ignores a stored value it does not know", () => {
    localStorage.setItem("ccs.theme", "purple");
    expect(storedTheme()).toBe("system");
    applyTheme(storedTheme());
    expect(document.documentElement.dataset.theme).toBe("light");
  });
});
