import { describe, expect, it } from "vitest";
import type { WatchEvent } from "../bindings";
import { size } from "../format";
import { folderName, watchWords } from "./watched";

const folder = "/home/ann/Scans";

describe("the watcher in plain words", () => {
  it("names a folder as a file manager does, on every system", () => {
    expect(folderName("/home/ann/Scans")).toBe("Scans");
    expect(folderName("C:\\Users\\Ann\\Scans\\")).toBe("Scans");
    expect(folderName("\\\\nas\\archive\\Incoming")).toBe("Incoming");
  });

  it("says what happens to each entry, without a fingerprint", () => {
    const said = (e: WatchEvent) => watchWords(e);
    expect(said({ kind: "waiting", folder, entry: "Box 2", reason: "being_written" })).toBe(
      "Box 2: still being copied in; waiting until the copy finishes.",
    );
    expect(said({ kind: "waiting", folder, entry: "Box 2", reason: "settling" })).toContain("stops changing");
    expect(said({ kind: "waiting", folder, entry: "Box 2", reason: "will_retry" })).toBeNull();
    const stored = said({
      kind: "stored",
      folder,
      entry: "Box 2",
      cid: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
      name: "Box 2",
    });
    expect(stored).toBe("Box 2: stored ✓");
    const progress = (bytes: number, bytes_total: number) =>
      said({ kind: "progress", folder, entry: "Box 2", bytes, bytes_total });
    expect(progress(4_700_000, 10_000_000)).toBe(`Box 2: storing… 40% of ${size(10_000_000)}`);
    expect(progress(10_000_000, 10_000_000)).toContain("100%");
    expect(progress(5, 0)).toBe("Box 2: storing…");
    expect(said({ kind: "moved", folder, from: "Box 1", to: "Box 1 (register)" })).toBe(
      "Box 1 (register): renamed from Box 1; already stored, nothing sent again.",
    );
    const failed = said({
      kind: "failed",
      folder,
      entry: "Box 3",
      code: "read_failed",
      message: 'Could not read "scan.tif".',
    });
    expect(failed).toContain("could not be stored");
    expect(failed).toContain("tried again");
    for (const line of [stored, failed]) expect(line).not.toMatch(/bafy|Qm/);
  });
});
