import { describe, expect, it } from "vitest";
import type { JoinOutcome } from "../bindings";
import { renderSettings } from "./settings";
import { invitationName, isInvitation, joinedWords, renderWelcome } from "./welcome";

describe("joining by invitation", () => {
  it("knows an invitation by its extension, in any case, on any platform's path", () => {
    expect(isInvitation("/home/ann/Downloads/Ann.ccsinvite")).toBe(true);
    expect(isInvitation("C:\\Users\\Ann\\Downloads\\ANN.CCSINVITE")).toBe(true);
    expect(isInvitation("/home/ann/compose.yml")).toBe(false);
    expect(isInvitation("/home/ann/Ann.ccsinvite.txt")).toBe(false);
  });

  it("names a file by its name and a join link without showing it", () => {
    expect(invitationName("C:\\Users\\Ann\\Downloads\\Ann.ccsinvite")).toBe("Ann.ccsinvite");
    expect(invitationName("ccs://join?invitation=LS0tLS1CRUdJTiBBR0U")).toBe("The invitation link you opened");
  });

  it("welcomes the person by name, with no technical words", () => {
    const out: JoinOutcome = {
      connection: { node: "peer1", cluster_api: "http://127.0.0.1:9094", version: "1.1.6", members: 3 },
      for_person: "Ann",
      invited_by: "root@leeds",
    };
    const words = joinedWords(out);
    expect(words).toContain("Welcome, Ann.");
    expect(words).toContain("3 members");
    for (const technical of ["peer1", "9094", "1.1.6", "cluster"]) expect(words).not.toContain(technical);
    expect(joinedWords({ ...out, for_person: null })).not.toContain("Welcome,");
  });
});

describe("an invitation dropped on the window or opened with the app", () => {
  it("is ready in the welcome screen's join form", () => {
    const root = document.createElement("main");
    renderWelcome(root, () => {}, "/home/ann/Downloads/Ann.ccsinvite");
    expect(root.querySelector("#join-file")?.textContent).toBe("Ann.ccsinvite");
  });

  it("opens Settings' join form, ready, once connected", () => {
    const root = document.createElement("main");
    renderSettings(root, () => {}, "C:\\Users\\Ann\\Ann.ccsinvite");
    expect((root.querySelector("#settings-join") as HTMLDetailsElement).open).toBe(true);
    expect(root.querySelector("#join-file")?.textContent).toBe("Ann.ccsinvite");
    const closed = document.createElement("main");
    renderSettings(closed, () => {});
    expect((closed.querySelector("#settings-join") as HTMLDetailsElement).open).toBe(false);
  });
});
