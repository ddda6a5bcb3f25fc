import { describe, expect, it, vi } from "vitest";
import type { ActivityFilter, EventType, HistoryEvent, HistoryReport } from "../bindings";
import { ACTIVITY_LIMIT, EVENT_KINDS, eventWords, renderActivity, shownOf } from "./history";

const asked: ActivityFilter[] = [];
let answer: (f: ActivityFilter) => HistoryReport = () => {
  throw new Error("not asked");
};
vi.mock("../api", async (original) => ({
  ...(await original<typeof import("../api")>()),
  api: {
    activity: async (f: ActivityFilter) => {
      asked.push(f);
      return answer(f);
    },
  },
}));

const CID_A = "QmMinutes000000000000000000000000000000000000A";
const CID_B = "QmRemoved000000000000000000000000000000000000B";
const settle = () => new Promise((r) => setTimeout(r, 50));

const event = (type: EventType, item: string, person: string, partner: string | null): HistoryEvent => ({
  id: `${type}-${item}-${person}`,
  type,
  at: new Date(Date.now() - 60_000).toISOString(),
  outcome: "success",
  detail: `recorded sentence naming ${item}`,
  person,
  software: "community-cloud-storage/0.1.0",
  partner,
  item,
  name: null,
});

describe("events in plain words", () => {
  it("has a sentence for every kind and outcome, naming the partner when there is one", () => {
    for (const [type] of EVENT_KINDS) {
      for (const outcome of ["success", "failure"] as const) {
        const w = eventWords({ type, outcome, partner: "Leeds" });
        expect(w.text.length).toBeGreaterThan(5);
        expect(w.text).not.toMatch(/Qm|bafy|cid/i);
      }
    }
    expect(eventWords({ type: "fixity_check", outcome: "failure", partner: "peer3" })).toEqual({
      text: "peer3's copy did not pass its check",
      tone: "bad",
    });
    expect(eventWords({ type: "fixity_check", outcome: "success", partner: null }).text).toBe(
      "a partner's copy checked: every part matched",
    );
  });

  it("says how many were left out", () => {
    expect(shownOf(200, 200)).toBeNull();
    expect(shownOf(200, 15007)).toBe("Showing the newest 200 of 15,007 events.");
  });
});

describe("the Activity place", () => {
  it("lists the network's events by item name and asks again with the chosen filters", async () => {
    answer = (f) => {
      const all = [
        event("deletion", CID_B, "bo@york", null),
        event("fixity_check", CID_A, "ann@leeds", "peer2"),
        event("ingestion", CID_A, "ann@leeds", null),
      ];
      const kept = all.filter(
        (e) =>
          (!f.person || e.person === f.person) &&
          (!f.partner || e.partner === f.partner) &&
          (!f.event_type || e.type === f.event_type),
      );
      return {
        events: kept,
        total: kept.length,
        names: { [CID_A]: "Council minutes 1921", [CID_B]: "Old tapes" },
        people: ["ann@leeds", "bo@york"],
        partners: ["peer2"],
        problems: [],
        batches: 2,
        writers: 2,
      };
    };
    const root = document.createElement("main");
    document.body.append(root);
    renderActivity(root);
    await settle();
    expect(asked.at(-1)).toEqual({ event_type: null, person: null, partner: null, limit: ACTIVITY_LIMIT });
    const rows = () =>
      [...root.querySelectorAll("#activity-list > li > div:first-child")].map((d) =>
        d.textContent?.replace(/\s+/g, " ").trim(),
      );
    expect(rows()).toEqual([
      "Removed from every partner · Old tapes",
      "peer2's copy checked: every part matched · Council minutes 1921",
      "Added to storage · Council minutes 1921",
    ]);
    const person = root.querySelector("#activity-person") as HTMLSelectElement;
    expect([...person.options].map((o) => o.textContent)).toEqual(["Everyone", "ann@leeds", "bo@york"]);

    person.focus();
    person.value = "bo@york";
    person.dispatchEvent(new Event("change"));
    await settle();
    expect(asked.at(-1)).toEqual({ event_type: null, person: "bo@york", partner: null, limit: ACTIVITY_LIMIT });
    expect(rows()).toEqual(["Removed from every partner · Old tapes"]);
    // Drawn again with the answer, the chosen filter keeps its value and the focus.
    expect((root.querySelector("#activity-person") as HTMLSelectElement).value).toBe("bo@york");
    expect(document.activeElement?.id).toBe("activity-person");

    const kind = root.querySelector("#activity-type") as HTMLSelectElement;
    kind.value = "metadata_modification";
    kind.dispatchEvent(new Event("change"));
    await settle();
    expect(root.querySelector("#activity-empty")?.textContent).toBe("Nothing recorded matches these choices.");
    root.remove();
  });
});
