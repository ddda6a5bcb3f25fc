import { describe, expect, it } from "vitest";
import { nodeFileWords } from "./invite";

describe("a chosen compose file in words", () => {
  it("names whose node it is, with its organisation and site when the file has them", () => {
    const file = { path: "/home/ann/compose.yml", node: "leeds-nas", bootstrap: true, organisation: null, site: null };
    expect(nodeFileWords(file)).toBe("the first node leeds-nas");
    expect(nodeFileWords({ ...file, bootstrap: false, organisation: "Leeds Archive", site: "Leeds, UK" })).toBe(
      "the node leeds-nas (Leeds Archive, Leeds, UK)",
    );
    expect(nodeFileWords({ ...file, bootstrap: false, site: "Leeds, UK" })).toBe("the node leeds-nas (Leeds, UK)");
  });
});
