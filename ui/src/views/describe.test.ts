import { describe, expect, it, vi } from "vitest";
import type { MetaOutcome, MetaRequest } from "../bindings";
import { changedFields, openDescribe } from "./describe";

const sent: MetaRequest[] = [];
vi.mock("../api", async (original) => ({
  ...(await original<typeof import("../api")>()),
  api: {
    collections: async () => ["Parish", "Oral histories"],
    setItemMetadata: async (r: MetaRequest): Promise<MetaOutcome> => {
      sent.push(r);
      return {
        cid: r.cid,
        title: r.changes.title ?? "Minutes",
        changes: [],
        metadata: {},
        summary: "Changed 2 fields on every partner.",
        record_problem: null,
        warning: null,
      };
    },
  },
}));

const item = {
  name: "Minutes",
  metadata: { collection: "Parish", "dc.date": "1921", "added-by": "ann@leeds" },
};

describe("Edit description", () => {
  it("sends only what changed; an emptied field removes its key", () => {
    expect(changedFields(item, { title: "Minutes", collection: "Parish", "dc.date": "1921" })).toEqual({});
    expect(
      changedFields(item, { title: " Council minutes ", collection: "Parish", "dc.date": "", "dc.creator": "Clerk" }),
    ).toEqual({ title: "Council minutes", "dc.date": "", "dc.creator": "Clerk" });
  });

  it("offers the collections in use and saves the changes on every partner", async () => {
    const cid = "QmMinutes000000000000000000000000000000000000A";
    // jsdom has no modal dialogs.
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.open = true;
    };
    HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
      this.open = false;
    };
    let outcome: MetaOutcome | null = null;
    openDescribe({ cid, ...item } as never, (o) => (outcome = o));
    await new Promise((r) => setTimeout(r, 20));
    const options = [...document.querySelectorAll("#describe-collections option")].map((o) => o.getAttribute("value"));
    expect(options).toEqual(["Parish", "Oral histories"]);
    expect((document.querySelector("#describe-dc-date") as HTMLInputElement).value).toBe("1921");
    (document.querySelector("#describe-collection") as HTMLInputElement).value = "Oral histories";
    (document.querySelector("#describe-dc-rights") as HTMLInputElement).value = "CC BY 4.0";
    (document.querySelector("#describe-save") as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toEqual([{ cid, changes: { collection: "Oral histories", "dc.rights": "CC BY 4.0" } }]);
    expect(outcome).not.toBeNull();
    expect(document.querySelector("dialog.describe")).toBeNull();
  });
});
