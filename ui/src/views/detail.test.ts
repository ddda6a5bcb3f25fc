import { beforeAll, describe, expect, it, vi } from "vitest";
import { state } from "../app";
import type { CopyAudit, CopyRecord, HistoryReport, ItemCheck, LibraryItem, PartnerStatus } from "../bindings";
import { renderLibrary, selectItem } from "./library";

// The backend, answered by each test.
let detail: (cid: string) => Promise<LibraryItem> = async () => {
  throw new Error("not asked");
};
let audit: (cid: string) => Promise<ItemCheck> = async () => ({ copies: [], record_problem: null });
let history: (cid: string) => Promise<HistoryReport> = async () => {
  throw new Error("not asked");
};
let historyAsked = 0;
vi.mock("../api", async (original) => ({
  ...(await original<typeof import("../api")>()),
  api: {
    listLibrary: async () => 0,
    itemDetail: (cid: string) => detail(cid),
    auditItem: (cid: string) => audit(cid),
    itemHistory: (cid: string) => {
      historyAsked++;
      return history(cid);
    },
  },
}));

beforeAll(() => {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

const CID = "QmParishScans0000000000000000000000000000000001";
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const verified = (at: string): CopyRecord => ({
  checked_at: at,
  outcome: "verified",
  mode: "full",
  last_verified_at: at,
  last_full_at: at,
  message: "verified: all 12 blocks match.",
  missing_blocks: 0,
  damaged_blocks: 0,
  manifest_mismatches: 0,
});
const partner = (name: string, audit: CopyRecord | null): PartnerStatus => ({
  peer_id: `12D3KooW${name}`,
  peername: name,
  status: "pinned",
  error: "",
  timestamp: ago(60),
  audit,
});
const item = (partners: PartnerStatus[], fixity: LibraryItem["fixity"]): LibraryItem => ({
  cid: CID,
  name: "Parish scans 1890",
  size: 5_800_000,
  added_at: ago(120),
  added_by: "ann@pc",
  copies: 3,
  target: 3,
  health: "ok",
  partners,
  metadata: { collection: "Parish", files: "200", "cid-settings": "cidv0 sha2-256" },
  fixity,
});
/** Waits (up to 5 s) until `done()` holds: the detail redraws after its
 * promises and timers, which take longer on a loaded machine than any fixed
 * pause. On time-out it returns, and the assertions that follow say what is missing. */
const until = async (done: () => boolean) => {
  const end = Date.now() + 5000;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};
/** The text a person sees without opening any "Technical details". */
const visible = (el: Element) => {
  const copy = el.cloneNode(true) as Element;
  for (const d of copy.querySelectorAll("details")) d.remove();
  return copy.textContent ?? "";
};

describe("the item's copies checked", () => {
  it("says per partner what the last check found, in plain words, and checks again on request", async () => {
    const problem: CopyRecord = {
      checked_at: ago(10),
      outcome: "problems",
      mode: "full",
      last_verified_at: ago(600),
      last_full_at: ago(600),
      message: 'peer3 holds 1 damaged block(s) of "box 01/scan 001.tif": run `ccs node check --repair`.',
      missing_blocks: 0,
      damaged_blocks: 1,
      manifest_mismatches: 0,
    };
    const before = item([partner("peer1", verified(ago(10))), partner("peer2", null), partner("peer3", problem)], {
      state: "problems",
      last_verified_at: null,
    });
    state.items = [{ ...before, partners: before.partners.map((p) => ({ ...p, audit: null })) }];
    state.library = { kind: "complete" };
    detail = async () => before;
    const root = document.createElement("main");
    document.body.append(root);
    renderLibrary(root);
    selectItem(CID);
    const panel = root.querySelector("#detail") as HTMLElement;
    expect(panel.textContent).toContain("Asking what the last checks found…");
    await until(() => panel.querySelectorAll("#detail-checks-list > li").length === 3);
    const lines = () =>
      [...panel.querySelectorAll("#detail-checks-list > li")].map((li) => visible(li).replace(/\s+/g, " ").trim());
    expect(lines()).toEqual([
      "peer1 Verified 10 minutes ago",
      "peer2 Not checked yet",
      "peer3 Problems found 10 minutes agopeer3's copy is damaged.Ask the person who runs peer3 to repair it, then check again.",
    ]);
    // The main view names no content ID, peer ID or command; the technical details do.
    expect(visible(panel)).not.toContain(CID);
    expect(visible(panel)).not.toContain("12D3KooW");
    expect(visible(panel)).not.toContain("ccs node check");
    expect(panel.querySelector("#detail-tech")?.textContent).toContain(CID);
    expect(panel.querySelector("#detail-checks-list li[data-partner='peer3'] details")?.textContent).toContain(
      "ccs node check --repair",
    );
    // The library's row says it needs attention.
    expect(root.querySelector(`[data-cid='${CID}'] .c-verified`)?.textContent).toBe("Problems found");

    // Check copies now: busy while it runs, then what it found, the item asked again.
    const tech = panel.querySelector("#detail-checks-list li[data-partner='peer3'] details") as HTMLDetailsElement;
    tech.open = true;
    let finish: (c: ItemCheck) => void = () => {};
    audit = () => new Promise((r) => (finish = r));
    const button = () => panel.querySelector("#detail-check") as HTMLButtonElement;
    button().focus();
    button().click();
    expect(button().disabled).toBe(true);
    expect(button().textContent).toBe("Checking copies…");
    expect(panel.querySelector("#detail-check-status progress")).not.toBeNull();
    const now = new Date().toISOString();
    const after = item(
      ["peer1", "peer2", "peer3"].map((p) => partner(p, verified(now))),
      { state: "verified", last_verified_at: now },
    );
    detail = async () => after;
    finish({
      record_problem: null,
      copies: ["peer1", "peer2", "peer3"].map(
        (p): CopyAudit => ({
          cid: CID,
          name: "Parish scans 1890",
          partner: p,
          outcome: "verified",
          manifest: "checked",
          message: `${p}'s copy is verified.`,
          checked_at: now,
          blocks_checked: 210,
          bytes_checked: 5_800_000,
          bad_blocks: [],
          bad_block_count: 0,
          files_checked: 200,
          manifest_mismatches: [],
        }),
      ),
    });
    await until(
      () =>
        !button().disabled &&
        root.querySelector(`[data-cid='${CID}'] .c-verified .fixity`)?.textContent === "just now" &&
        panel.querySelector("#detail-check-result") !== null,
    );
    expect(button().disabled).toBe(false);
    expect(button().textContent).toBe("Check copies now");
    expect(document.activeElement).toBe(button());
    expect(panel.querySelector("#detail-check-result")?.textContent).toBe(
      "All 3 copies are verified: every part of them is intact.",
    );
    expect(lines()).toEqual(["peer1 Verified just now", "peer2 Verified just now", "peer3 Verified just now"]);
    // The disclosure opened before stays open.
    expect(
      (panel.querySelector("#detail-checks-list li[data-partner='peer3'] details") as HTMLDetailsElement).open,
    ).toBe(true);
    expect(panel.querySelector("li[data-partner='peer3'] details")?.textContent).toContain("200 files compared");
    expect(root.querySelector(`[data-cid='${CID}'] .c-verified .fixity`)?.textContent).toBe("just now");
    selectItem(null);
    root.remove();
  });

  it("shows the item's history in plain words, the record's own sentences behind Technical details", async () => {
    const event = (
      type: HistoryReport["events"][number]["type"],
      outcome: "success" | "failure",
      partner: string | null,
      minutes: number,
    ) => ({
      id: `${type}-${minutes}`,
      type,
      at: ago(minutes),
      outcome,
      detail: `recorded sentence naming ${CID}`,
      person: "ann@leeds",
      software: "ccs-app/0.1.0",
      partner,
      item: CID,
      name: null,
    });
    history = async () => ({
      events: [
        event("fixity_check", "failure", "peer3", 5),
        event("dissemination", "success", "peer1", 30),
        event("ingestion", "success", null, 120),
      ],
      total: 3,
      names: { [CID]: "Parish scans 1890" },
      people: ["ann@leeds"],
      partners: ["peer1", "peer3"],
      problems: [
        { writer: "ccs-app-1a2b", message: "Batch 2 of ccs-app-1a2b (ann's computer) is missing from the network." },
      ],
      batches: 3,
      writers: 1,
    });
    const asked = historyAsked;
    const it = item([partner("peer1", verified(ago(10)))], { state: "verified", last_verified_at: ago(10) });
    state.items = [it];
    state.library = { kind: "complete" };
    detail = async () => it;
    const root = document.createElement("main");
    document.body.append(root);
    renderLibrary(root);
    selectItem(CID);
    await until(() => root.querySelectorAll("#detail-history-list > li").length === 3);
    const section = root.querySelector("#detail-history") as HTMLElement;
    expect(historyAsked).toBe(asked + 1);
    const lines = [...section.querySelectorAll("#detail-history-list > li")].map((li) =>
      [...li.querySelectorAll(":scope > div")].map((d) => d.textContent?.replace(/\s+/g, " ").trim()).join(" | "),
    );
    expect(lines).toEqual([
      "peer3's copy did not pass its check | 5 minutes ago · by ann@leeds",
      "Saved to a computer from peer1 | 30 minutes ago · by ann@leeds",
      "Added to storage | 2 hours ago · by ann@leeds",
    ]);
    expect(visible(section)).not.toContain(CID);
    expect(section.querySelector("#detail-history-list details")?.textContent).toContain(CID);
    expect(section.querySelector("[data-record-problems='1']")?.textContent).toContain(
      "Part of the shared history is missing or was changed",
    );
    root.remove();
  });
});
