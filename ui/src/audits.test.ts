import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Findings, KeyedThrottle } from "./audits";
import type { CopyAudit } from "./bindings";

const finding = (cid: string, partner: string, checked_at = "2026-01-10T11:55:00Z"): CopyAudit => ({
  cid,
  name: "x",
  partner,
  outcome: "verified",
  manifest: "checked",
  message: `${partner}'s copy is verified.`,
  checked_at,
  blocks_checked: 3,
  bytes_checked: 1000,
  bad_blocks: [],
  bad_block_count: 0,
  files_checked: 1,
  manifest_mismatches: [],
});

describe("the findings kept", () => {
  it("keep each partner's last finding, matched to the check that made it", () => {
    const f = new Findings();
    f.add(finding("Q1", "peer1", "t1"));
    f.add(finding("Q1", "peer1", "t2"));
    f.add(finding("Q1", "peer2", "t1"));
    expect(f.of("Q1", "peer1")?.checked_at).toBe("t2");
    expect(f.of("Q1", "peer1", "t2")).not.toBeNull();
    // A record of another check: its finding is not this one.
    expect(f.of("Q1", "peer1", "t1")).toBeNull();
    expect(f.of("Q1", "peer2", "t1")).not.toBeNull();
    expect(f.of("Q2", "peer1")).toBeNull();
  });

  it("stay bounded: the items checked longest ago are forgotten first", () => {
    const f = new Findings(2);
    f.add(finding("Q1", "peer1"));
    f.add(finding("Q2", "peer1"));
    f.add(finding("Q1", "peer2"));
    f.add(finding("Q3", "peer1"));
    expect(f.of("Q2", "peer1")).toBeNull();
    expect(f.of("Q1", "peer1")).not.toBeNull();
    expect(f.of("Q3", "peer1")).not.toBeNull();
  });
});

describe("the refresh throttle", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs once for a burst of one key, and at most once per period after", async () => {
    const runs: string[] = [];
    const t = new KeyedThrottle(
      async (k) => {
        runs.push(k);
      },
      5000,
      1000,
    );
    // The three partners' findings of one item arrive together.
    t.poke("Q1");
    t.poke("Q1");
    t.poke("Q1");
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual(["Q1"]);
    // More during the period: one more run at its end, none before.
    t.poke("Q1");
    t.poke("Q1");
    await vi.advanceTimersByTimeAsync(4999);
    expect(runs).toEqual(["Q1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual(["Q1", "Q1"]);
    // Quiet: the key is forgotten, and the next poke starts afresh.
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.pending).toBe(0);
    expect(runs).toEqual(["Q1", "Q1"]);
  });

  it("keys are independent, at most `limit` run at once, and a failed run stops nothing", async () => {
    let running = 0;
    let most = 0;
    const done: string[] = [];
    const t = new KeyedThrottle(
      async (k) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 100));
        running--;
        if (k === "Q0") throw new Error("unreachable");
        done.push(k);
      },
      5000,
      1000,
      2,
    );
    for (let i = 0; i < 6; i++) t.poke(`Q${i}`);
    await vi.advanceTimersByTimeAsync(1000 + 3 * 100);
    expect(most).toBe(2);
    expect(done.sort()).toEqual(["Q1", "Q2", "Q3", "Q4", "Q5"]);
  });
});
