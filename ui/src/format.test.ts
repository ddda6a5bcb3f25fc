import { describe, expect, it } from "vitest";
import type { LibraryItem } from "./bindings";
import { copies, damageNotices, jobLine, partnerStatus, percent, relative, shortCid, size, view } from "./format";

const item = (over: Partial<LibraryItem>): LibraryItem => ({
  cid: "QmDefault",
  name: "x",
  size: 0,
  added_at: null,
  added_by: null,
  copies: 3,
  target: 3,
  health: "ok",
  partners: [],
  metadata: {},
  fixity: null,
  ...over,
});

describe("format", () => {
  it("names each partner whose copy is damaged, and only those", () => {
    expect(damageNotices({ source: "peer1" })).toEqual([]);
    expect(
      damageNotices({
        source: "peer3",
        failed_sources: [
          {
            source: "peer1",
            code: "unreachable",
            damaged: false,
            message: "The storage node at x could not be reached.",
          },
          { source: "peer2", code: "verification_failed", damaged: true, message: "The copy does not match." },
        ],
      }),
    ).toEqual([
      "peer2's copy is damaged; it was saved from peer3 instead. Ask the person who runs peer2 to check that node.",
    ]);
  });

  it("sizes use decimal units", () => {
    expect(size(0)).toBe("0 B");
    expect(size(999)).toBe("999 B");
    expect(size(1500)).toBe("1.5 KB");
    expect(size(204_800)).toBe("205 KB");
    expect(size(3_000_000_000)).toBe("3.0 GB");
    expect(size(null)).toBe("—");
  });

  it("CIDs are shortened in the middle", () => {
    expect(shortCid("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")).toBe("bafybe…bzdi");
    expect(shortCid("QmShort")).toBe("QmShort");
  });

  it("recent times are relative", () => {
    const now = new Date("2026-01-10T12:00:00Z");
    expect(relative("2026-01-10T11:59:50Z", now)).toBe("just now");
    expect(relative("2026-01-10T11:55:00Z", now)).toBe("5 minutes ago");
    expect(relative("2026-01-10T10:00:00Z", now)).toBe("2 hours ago");
    expect(relative("2026-01-09T12:00:00Z", now)).toBe("1 day ago");
    expect(relative("2025-01-01T00:00:00Z", now)).not.toContain("ago");
    expect(relative("0001-01-01T00:00:00Z", now)).toBe("—");
    expect(relative(null, now)).toBe("—");
  });

  it("partner states are in plain words", () => {
    expect(partnerStatus("pinned")).toEqual({ label: "Stored", tone: "ok" });
    expect(partnerStatus("remote")).toEqual({ label: "Not assigned here", tone: "neutral" });
    expect(partnerStatus("pin_queued").label).toBe("Copying…");
    expect(partnerStatus("cluster_error")).toEqual({ label: "Partner unreachable", tone: "warn" });
    expect(partnerStatus("unexpectedly_unpinned").tone).toBe("bad");
  });

  it("copies read as N of M with a colour", () => {
    expect(copies({ copies: 3, target: 3 })).toEqual({ label: "3 of 3 copies", tone: "ok" });
    expect(copies({ copies: 2, target: 3 })).toEqual({ label: "2 of 3 copies", tone: "warn" });
    expect(copies({ copies: 0, target: 3 })).toEqual({ label: "0 copies", tone: "bad" });
    expect(copies({ copies: 0, target: 3, health: "checking" })).toEqual({ label: "Checking…", tone: "muted" });
  });

  it("job lines and percentages", () => {
    expect(jobLine(500_000, 1_000_000, 10, 200)).toBe("500 KB of 1.0 MB · 10 of 200 files");
    expect(percent(1, 0)).toBe(0);
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
  });
});

describe("library view", () => {
  const items = [
    item({ cid: "Qa", name: "Parish records", size: 10, added_at: "2026-01-01T00:00:00Z", added_by: "ann@pc" }),
    item({
      cid: "Qb",
      name: "audio tapes",
      size: 30,
      added_at: "2026-01-03T00:00:00Z",
      added_by: "bob@pc",
      copies: 1,
      health: "under_replicated",
    }),
    item({
      cid: "Qc",
      name: "Maps",
      size: 20,
      added_at: "2026-01-02T00:00:00Z",
      added_by: "ann@pc",
      health: "error",
      metadata: { collection: "Town hall" },
    }),
  ];
  const base = { search: "", filter: "all" as const, sort: "added_at" as const, descending: true, me: "ann@pc" };

  it("sorts by any column, both ways", () => {
    expect(view(items, base).map((i) => i.cid)).toEqual(["Qb", "Qc", "Qa"]);
    expect(view(items, { ...base, sort: "name", descending: false }).map((i) => i.cid)).toEqual(["Qb", "Qc", "Qa"]);
    expect(view(items, { ...base, sort: "size", descending: false }).map((i) => i.cid)).toEqual(["Qa", "Qc", "Qb"]);
  });

  it("searches names and metadata, filters by state and owner", () => {
    expect(view(items, { ...base, search: "town" }).map((i) => i.cid)).toEqual(["Qc"]);
    expect(view(items, { ...base, filter: "attention" }).map((i) => i.cid)).toEqual(["Qb", "Qc"]);
    expect(view(items, { ...base, filter: "under" }).map((i) => i.cid)).toEqual(["Qb"]);
    expect(view(items, { ...base, filter: "mine" }).map((i) => i.cid)).toEqual(["Qc", "Qa"]);
  });
});
