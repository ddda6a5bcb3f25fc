import { describe, expect, it } from "vitest";
import { size } from "../format";
import { offerWords, progressWords } from "./updates";

describe("updates in plain words", () => {
  it("names the new version, when it was published and the one running", () => {
    const said = offerWords({
      version: "0.2.0",
      current_version: "0.1.0",
      notes: "Checks run faster.",
      published: "2026-12-01T10:00:00Z",
    });
    expect(said).toMatch(/^Version 0\.2\.0 is available \(published .*2026\)\. You have version 0\.1\.0\.$/);
    expect(offerWords({ version: "0.2.0", current_version: "0.1.0", notes: null, published: null })).toBe(
      "Version 0.2.0 is available. You have version 0.1.0.",
    );
    expect(offerWords({ version: "0.2.0", current_version: "0.1.0", notes: null, published: "soon" })).not.toContain(
      "published",
    );
  });

  it("says how far the download has got, then that the signature was checked", () => {
    expect(progressWords({ phase: "downloading", received: 4_000_000, total: 20_000_000 })).toBe(
      `Downloading the update… ${size(4_000_000)} of ${size(20_000_000)}`,
    );
    expect(progressWords({ phase: "downloading", received: 5, total: null })).toBe("Downloading the update… 5 B");
    expect(progressWords({ phase: "installing" })).toContain("signature checked");
  });
});
