import { describe, expect, it } from "vitest";
import type { JoinOutcome } from "../bindings";
import { isInvitation, joinedWords } from "./welcome";

describe("joining by invitation", () => {
  it("knows an invitation by its extension, in any case, on any platform's path", () => {
    expect(isInvitation("/home/ann/Downloads/Ann.ccsinvite")).toBe(true);
    expect(isInvitation("C:\\Users\\Ann\\Downloads\\ANN.CCSINVITE")).toBe(true);
    expect(isInvitation("/home/ann/compose.yml")).toBe(false);
    expect(isInvitation("/home/ann/Ann.ccsinvite.txt")).toBe(false);
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
