import { describe, expect, it, vi } from "vitest";
import { state } from "../app";
import type { AddDetails } from "../bindings";
import { ApiError } from "../errors";
import { renderTray, startAdd } from "./jobs-tray";

const asked: AddDetails[] = [];
let answer: () => Promise<unknown> = async () => {
  throw new Error("not asked");
};
vi.mock("../api", async (original) => ({
  ...(await original<typeof import("../api")>()),
  api: {
    listLibrary: async () => 0,
    forgetJob: async () => true,
    addItems: (_job: string, _paths: string[], details: AddDetails) => {
      asked.push(details);
      return answer();
    },
  },
}));

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("an add of a bag that does not check out", () => {
  it("says what is wrong and offers to store it anyway, as the person's explicit choice", async () => {
    answer = async () => {
      throw new ApiError({
        code: "invalid_bag",
        message:
          '"/scans/box 1" is a BagIt bag that does not check out (1 changed file), so nothing was stored. Correct the bag or make it again, or store it as it is.',
      });
    };
    const root = document.createElement("section");
    document.body.append(root);
    startAdd(["/scans/box 1"], { title: "Box 1", collection: "Parish", description: "" });
    // Drawn while it runs, the tray opens (and stays open for what follows).
    renderTray(root);
    await settle();
    renderTray(root);
    const job = root.querySelector(".job") as HTMLElement;
    expect(job.dataset.state).toBe("failed");
    expect(job.textContent).toContain("does not check out (1 changed file)");
    expect(asked).toEqual([{ title: "Box 1", collection: "Parish", description: "" }]);

    answer = async () => ({ cid: "QmBox1", name: "Box 1", files: 3, bytes: 10, record_problem: null });
    (root.querySelector(".store-anyway") as HTMLButtonElement).click();
    await settle();
    expect(asked[1]).toEqual({ title: "Box 1", collection: "Parish", description: "", store_invalid_bag: true });
    renderTray(root);
    expect(root.querySelector(".store-anyway")).toBeNull();
    expect(state.jobs.all().filter((j) => j.state === "failed")).toHaveLength(0);
    root.remove();
  });
});
