import { describe, expect, it } from "vitest";
import { baseName, contentsSummary } from "./contents";

describe("an item's contents", () => {
  it("names a file by the end of its path", () => {
    expect(baseName("box 1/letters/1891.pdf")).toBe("1891.pdf");
    expect(baseName("report.pdf")).toBe("report.pdf");
  });

  it("counts the files and says how many were left out", () => {
    const file = { path: "a", size: 1, preview: null };
    expect(contentsSummary({ files: [file, file], bytes: 48_000_000, skipped: 0 })).toBe("2 files, 48 MB.");
    expect(contentsSummary({ files: [file], bytes: 5, skipped: 2 })).toBe(
      "1 file, 5 B. 2 files were left out when it was added, because they could not be read.",
    );
    expect(contentsSummary({ files: [file], bytes: 5, skipped: 1 })).toContain("1 file was left out");
  });
});
