import { describe, expect, it } from "vitest";
import type { CopyRecord, LibraryItem } from "./bindings";
import {
  about,
  bagWords,
  checkSummary,
  copies,
  copyCheckWords,
  copyFaults,
  damageNotices,
  fixityNeedsAttention,
  fixityWords,
  inventoryWords,
  jobLine,
  partnerChecks,
  partnerStatus,
  percent,
  previewWords,
  relative,
  riskWords,
  shortCid,
  size,
  storeRestWords,
  until,
  view,
  withdrawalOf,
  withdrawalSaid,
  withdrawalWords,
} from "./format";

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

describe("fixity in plain words", () => {
  const now = new Date("2026-01-10T12:00:00Z");
  const record = (over: Partial<CopyRecord>): CopyRecord => ({
    checked_at: "2026-01-10T11:55:00Z",
    outcome: "verified",
    mode: "full",
    last_verified_at: "2026-01-10T11:55:00Z",
    last_full_at: "2026-01-10T11:55:00Z",
    message: "peer1's copy is verified: all 12 blocks match.",
    missing_blocks: 0,
    damaged_blocks: 0,
    manifest_mismatches: 0,
    ...over,
  });

  it("the library's Last verified: a time when verified, a calm word or a warning otherwise", () => {
    const at = "2026-01-10T10:00:00Z";
    expect(fixityWords(null, now)).toMatchObject({ label: "—", tone: null });
    expect(fixityWords({ state: "verified", last_verified_at: at }, now)).toMatchObject({
      label: "2 hours ago",
      tone: null,
    });
    expect(fixityWords({ state: "unchecked", last_verified_at: null }, now)).toMatchObject({
      label: "Not checked yet",
      tone: "muted",
    });
    expect(fixityWords({ state: "problems", last_verified_at: at }, now)).toMatchObject({
      label: "Problems found",
      tone: "bad",
      sub: "Last verified 2 hours ago",
    });
    expect(fixityWords({ state: "unreachable", last_verified_at: at }, now)).toMatchObject({
      label: "A partner could not be reached",
      tone: "warn",
    });
    expect(fixityWords({ state: "overdue", last_verified_at: null }, now)).toMatchObject({
      label: "Overdue",
      tone: "warn",
      sub: "Never verified",
    });
  });

  it("problems, an unreachable partner and overdue checks need attention; the rest does not", () => {
    for (const s of ["problems", "unreachable", "overdue"] as const)
      expect(fixityNeedsAttention({ state: s, last_verified_at: null })).toBe(true);
    for (const s of ["verified", "unchecked"] as const)
      expect(fixityNeedsAttention({ state: s, last_verified_at: null })).toBe(false);
    expect(fixityNeedsAttention(null)).toBe(false);
  });

  it("a copy's faults come from the check's findings, else from its recorded counts", () => {
    const block = (fault: "missing" | "damaged") => ({ cid: "bafk", fault, file: "scan-1.tif" });
    expect(copyFaults({ bad_blocks: [block("damaged"), block("missing")], manifest_mismatches: [] })).toEqual([
      "missing",
      "damaged",
    ]);
    expect(copyFaults({ bad_blocks: [], manifest_mismatches: ["a.txt"] })).toEqual(["manifest"]);
    const counts = (missing_blocks: number, damaged_blocks: number, manifest_mismatches: number) => ({
      missing_blocks,
      damaged_blocks,
      manifest_mismatches,
    });
    expect(copyFaults(null, counts(1, 0, 0))).toEqual(["missing"]);
    expect(copyFaults(null, counts(0, 2, 1))).toEqual(["damaged", "manifest"]);
    expect(copyFaults(null, counts(0, 0, 0))).toEqual([]);
    expect(copyFaults(null, null)).toEqual([]);
  });

  it("each partner's copy: verified with its time, problems in plain words with what to do", () => {
    expect(copyCheckWords("peer1", null, null, now)).toEqual({ label: "Not checked yet", tone: "muted", say: [] });
    expect(copyCheckWords("peer1", record({}), null, now)).toEqual({
      label: "Verified 5 minutes ago",
      tone: "ok",
      say: [],
    });
    const damaged = copyCheckWords(
      "peer3",
      record({ outcome: "problems", message: 'peer3 holds 1 damaged block(s) of "scan-1.tif": …', damaged_blocks: 1 }),
      null,
      now,
    );
    expect(damaged.label).toBe("Problems found 5 minutes ago");
    expect(damaged.tone).toBe("bad");
    expect(damaged.say).toEqual([
      "peer3's copy is damaged.",
      "Ask the person who runs peer3 to repair it, then check again.",
    ]);
    const missing = copyCheckWords(
      "peer2",
      record({ outcome: "problems", message: "" }),
      { bad_blocks: [{ cid: "bafk", fault: "missing", file: "a" }], manifest_mismatches: [] },
      now,
    );
    expect(missing.say[0]).toBe("Part of this item is missing from peer2's copy.");
    const away = copyCheckWords(
      "peer1",
      record({ outcome: "unreachable", checked_at: "2026-01-10T11:00:00Z", last_verified_at: "2026-01-09T12:00:00Z" }),
      null,
      now,
    );
    expect(away.label).toBe("Could not be reached 1 hour ago");
    expect(away.tone).toBe("warn");
    expect(away.say.join(" ")).toContain("Check again when peer1 is back online.");
    expect(away.say.join(" ")).toContain("last verified 1 day ago");
    // No words a person would not know.
    for (const w of [damaged, missing, away]) expect(w.say.join(" ")).not.toMatch(/block|CID|ccs |pin/i);
  });

  it("a check's result in one sentence", () => {
    const c = (partner: string, outcome: "verified" | "problems" | "unreachable" | "not_allocated") => ({
      partner,
      outcome,
    });
    expect(checkSummary([c("peer1", "verified"), c("peer2", "verified"), c("peer3", "verified")])).toEqual({
      text: "All 3 copies are verified: every part of them is intact.",
      tone: "ok",
    });
    expect(checkSummary([c("peer1", "verified"), c("peer3", "problems")])).toEqual({
      text: "Problems found in peer3's copy.",
      tone: "bad",
    });
    expect(checkSummary([c("peer1", "unreachable"), c("peer2", "not_allocated")]).text).toBe(
      "peer1 could not be reached.",
    );
  });

  it("a partner's checks: how many of its copies passed, and when", () => {
    expect(partnerChecks({ last_audited: null, copies_audited: 0, copies_verified: 0 }, now)).toEqual({
      label: "Not checked yet",
      sub: "",
      tone: "muted",
    });
    expect(partnerChecks({ last_audited: "2026-01-10T11:55:00Z", copies_audited: 3, copies_verified: 3 }, now)).toEqual(
      { label: "3 of 3 copies passed", sub: "Last checked 5 minutes ago", tone: null },
    );
    expect(
      partnerChecks({ last_audited: "2026-01-10T11:55:00Z", copies_audited: 1, copies_verified: 0 }, now).label,
    ).toBe("0 of 1 copy passed");
  });
});

describe("the Needs attention filter", () => {
  const base = { search: "", filter: "attention" as const, sort: "name" as const, descending: false, me: "" };
  const at = "2026-01-10T10:00:00Z";
  const items = [
    item({ cid: "Q1", name: "a verified", fixity: { state: "verified", last_verified_at: at } }),
    item({ cid: "Q2", name: "b problems", fixity: { state: "problems", last_verified_at: at } }),
    item({ cid: "Q3", name: "c unreachable", fixity: { state: "unreachable", last_verified_at: at } }),
    item({ cid: "Q4", name: "d overdue", fixity: { state: "overdue", last_verified_at: null } }),
    item({ cid: "Q5", name: "e unchecked", fixity: { state: "unchecked", last_verified_at: null } }),
    item({ cid: "Q6", name: "f still loading", fixity: null }),
    item({ cid: "Q7", name: "g short of copies", copies: 1, health: "under_replicated" }),
  ];

  it("lists items whose copies had problems, a partner not reached, or checks overdue, with the copies' problems", () => {
    expect(view(items, base).map((i) => i.cid)).toEqual(["Q2", "Q3", "Q4", "Q7"]);
  });

  it("sorts by when the copies were last verified", () => {
    const dated = [
      item({ cid: "Qa", fixity: { state: "verified", last_verified_at: "2026-01-03T00:00:00Z" } }),
      item({ cid: "Qb", fixity: { state: "verified", last_verified_at: "2026-01-05T00:00:00Z" } }),
      item({ cid: "Qc", fixity: { state: "unchecked", last_verified_at: null } }),
    ];
    const v = (descending: boolean) =>
      view(dated, { ...base, filter: "all", sort: "verified", descending }).map((i) => i.cid);
    expect(v(false)).toEqual(["Qc", "Qa", "Qb"]);
    expect(v(true)).toEqual(["Qb", "Qa", "Qc"]);
  });
});

describe("the inventory export", () => {
  it("says how many items went where, and when the last events may be incomplete", () => {
    expect(inventoryWords({ items: 12345, path: "/home/ann/inventory.csv", record_problems: [] })).toBe(
      "Saved the inventory of 12,345 items to /home/ann/inventory.csv.",
    );
    expect(inventoryWords({ items: 1, path: "C:\\inv.json", record_problems: ["batch 2 of w is missing"] })).toBe(
      'Saved the inventory of 1 item to C:\\inv.json. Its "last event" column may be incomplete: part of the shared history is missing or was changed.',
    );
  });
});

describe("the archival package", () => {
  it("says what the package holds and how it was checked", () => {
    expect(bagWords({ path: "/home/ann/Box 1 (BagIt)", files: 200, fixity_checked: true, history_events: 14 })).toBe(
      "Saved an archival package (BagIt) of 200 files to /home/ann/Box 1 (BagIt), with its history (14 events); every file matched the checksums taken when it was added.",
    );
    expect(bagWords({ path: "/b", files: 1, fixity_checked: false, history_events: null })).toBe(
      "Saved an archival package (BagIt) of 1 file to /b, without its history; every part matched its fingerprint (it has no checksums from when it was added).",
    );
  });
});

describe("withdrawn items", () => {
  const now = new Date("2026-12-02T12:00:00Z");
  const meta = (m: Record<string, string>) => ({ metadata: m });

  it("reads a withdrawal from the item's metadata, in plain words", () => {
    expect(withdrawalOf(meta({ collection: "Parish" }))).toBeNull();
    const awaiting = withdrawalOf(
      meta({
        "ccs-withdrawal": "awaiting-confirmation",
        "ccs-withdrawn-by": "ann@leeds",
        "ccs-withdrawn-at": "2026-12-02T11:00:00Z",
      }),
    );
    expect(awaiting).toEqual({
      by: "ann@leeds",
      at: "2026-12-02T11:00:00Z",
      awaiting: true,
      confirmedBy: null,
      removesAt: null,
    });
    expect(withdrawalWords(awaiting as NonNullable<typeof awaiting>)).toBe(
      "Withdrawn · waits for a second member to confirm",
    );
    const confirmed = withdrawalOf(
      meta({ "ccs-withdrawal": "confirmed", "ccs-withdrawal-removes-at": "2026-12-02T12:30:00Z" }),
    );
    expect(confirmed?.awaiting).toBe(false);
    expect(until(confirmed?.removesAt, now)).toBe("in 30 minutes");
  });

  it("says what a step did without content IDs or commands", () => {
    const said = withdrawalSaid(
      "Box 1",
      { withdrawal: { state: "confirmed", removes_at: "2026-12-05T12:00:00Z" } },
      false,
      now,
    );
    expect(said).toBe(
      'Withdrew "Box 1". It stays stored on every partner and is removed in 3 days; Keep it undoes it until then.',
    );
    expect(withdrawalSaid("Box 1", { withdrawal: null }, true, now)).toBe(
      'Kept "Box 1": it stays stored on every partner that holds it.',
    );
    expect(
      withdrawalSaid("Box 1", { withdrawal: { state: "awaiting_confirmation", removes_at: null } }, false, now),
    ).toContain("until a second member confirms");
  });

  it("says times to come", () => {
    expect(until("2026-12-02T11:00:00Z", now)).toBe("any moment now");
    expect(until("2026-12-02T15:00:00Z", now)).toBe("in 3 hours");
    expect(until("2026-12-05T12:00:00Z", now)).toBe("in 3 days");
    expect(until("2027-01-01T12:00:00Z", now)).toMatch(/^on /);
    expect(until(null, now)).toBe("—");
  });
});

describe("risk at a glance", () => {
  const now = new Date("2026-12-02T12:00:00Z");
  const c = (items: number, bytes = items * 1000) => ({ items, bytes });
  const base = {
    stored: c(120),
    single_copy: c(0),
    below_min: c(0),
    below_target: c(0),
    single_site: c(0),
    withdrawn: c(0),
    unverified: c(0),
    copies_as_of: "2026-12-02T12:00:00Z",
    oldest_verification: "2026-11-30T12:00:00Z",
    at_risk: false,
    advice: [],
  };

  it("is calm when every item has its copies and was checked", () => {
    const w = riskWords(base, now);
    expect(w.tone).toBe("ok");
    expect(w.headline).toBe("All 120 items have at least the network's minimum of copies.");
    expect(riskWords({ ...base, stored: c(1) }, now).headline).toBe(
      "The 1 item has at least the network's minimum of copies.",
    );
    expect(w.lines).toEqual([]);
    expect(w.evidence).toBe("Copies counted just now; the oldest check was 2 days ago.");
  });

  it("turns red for an item below the minimum, and says what to do", () => {
    const w = riskWords({ ...base, single_copy: c(1, 5_000_000), below_min: c(1, 5_000_000), at_risk: true }, now);
    expect(w.tone).toBe("bad");
    expect(w.headline).toBe(
      "1 item is at risk: fewer copies than the network's minimum (5.0 MB). Repair it from the item's detail, or tell the person who runs the network.",
    );
  });

  it("names what else needs a look", () => {
    const w = riskWords(
      { ...base, single_site: c(3), unverified: c(7), withdrawn: c(1), oldest_verification: null },
      now,
    );
    expect(w.tone).toBe("warn");
    expect(w.lines).toEqual([
      "3 items have every copy in one place (3.0 KB).",
      "7 items have not been checked as often as the network's rules ask.",
      "1 item is withdrawn and will be removed.",
    ]);
    expect(w.evidence).toBe("Copies counted just now; no copy checked yet.");
  });
});

describe("an add's preview", () => {
  it("says what will be sent and how long it may take, or that it cannot say yet", () => {
    const w = previewWords({
      files: 1200,
      folders: 3,
      bytes: 48_300_000,
      estimated_seconds: 20,
      bytes_per_second: 2_400_000,
    });
    expect(w.what).toBe("1,200 files in 3 folders, 48 MB.");
    expect(w.time).toBe("Sending takes about 20 seconds at the speed this computer last reached (2.4 MB a second).");
    const first = previewWords({ files: 1, folders: 0, bytes: 5, estimated_seconds: null, bytes_per_second: null });
    expect(first.what).toBe("1 file, 5 B.");
    expect(first.time).toContain("estimated once");
  });

  it("rounds the time as a person would say it", () => {
    expect(about(2)).toBe("about 1 second");
    expect(about(47)).toBe("about 45 seconds");
    expect(about(250)).toBe("about 4 minutes");
    expect(about(7800)).toBe("about 2 hours 10 minutes");
    expect(about(3600)).toBe("about 1 hour");
  });

  it("offers to store the others, in the right number", () => {
    expect(storeRestWords(1, 2)).toEqual({
      heading:
        "2 files cannot be stored. You can store the others and leave them out; they are then listed with the item.",
      button: "Store the other file",
    });
    expect(storeRestWords(1500, 1).button).toBe("Store the other 1,500 files");
    expect(storeRestWords(1500, 1).heading).toContain("leave it out; it is then listed");
  });
});
