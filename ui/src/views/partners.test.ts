import { describe, expect, it } from "vitest";
import type { EnsureReport } from "../bindings";
import { placementReport } from "./partners";

const leeds = { organisation: "Leeds Community Archive", site: "Leeds, UK" };
const report = (over: Partial<EnsureReport>): EnsureReport => ({
  dry_run: true,
  items_checked: 1200,
  changes: [],
  waiting: [],
  unmet: [],
  partners: [
    { name: "peer1", place: leeds, online: true, before: 1200, after: 1200 },
    { name: "peer3", place: { organisation: null, site: null }, online: false, before: 4, after: 0 },
  ],
  removals_recorded: 0,
  record_problem: null,
  ...over,
});

describe("Check placement, in plain words", () => {
  it("says all is well and names partners by organisation", () => {
    const el = placementReport(report({}));
    expect(el.querySelector(".notice.ok")?.textContent).toBe("All 1,200 items are placed as the network's rules ask.");
    const rows = [...el.querySelectorAll("#placement-table tbody tr")].map((r) => r.textContent);
    expect(rows).toEqual(["Leeds Community Archive12001200", "peer3 (offline)40"]);
    expect(el.textContent).not.toMatch(/Qm|bafy|12D3/);
  });

  it("says what should change, what waits and what cannot be done", () => {
    const change = {
      cid: "QmX",
      name: "Box 1",
      before: ["peer1"],
      after: ["peer1", "peer2"],
      dropped: [],
      error: null,
    };
    const el = placementReport(
      report({
        changes: [change, change],
        waiting: [{ cid: "QmY", name: "Box 2", problems: ["peer3 is offline."] }],
        unmet: [{ cid: "QmZ", name: "Box 3", problems: ["Only one site is online."] }],
      }),
    );
    const said = [...el.querySelectorAll(".notice")].map((n) => [n.className, n.textContent]);
    expect(said).toEqual([
      [
        "notice warn",
        "2 items of 1,200 should get copies on other partners. The person who runs the network can place them.",
      ],
      [
        "notice warn",
        "1 item has a copy on a partner that is offline; it is made elsewhere if the partner stays away.",
      ],
      ["notice bad", "1 item cannot be placed as the rules ask: Only one site is online."],
    ]);
  });
});
