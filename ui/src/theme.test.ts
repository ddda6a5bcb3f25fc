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
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(storedTheme()).toBe("system");
  });

  it("ignores a stored value it does not know", () => {
    localStorage.setItem("ccs.theme", "purple");
    expect(storedTheme()).toBe("system");
    applyTheme(storedTheme());
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });
});
