import { describe, expect, it } from "vitest";
import { partnerDetail, partnerName, setPlaces } from "./places";

describe("partners named by organisation and place", () => {
  setPlaces({
    partners: 3,
    by_peer: {
      a: { organisation: "Leeds Community Archive", site: "Leeds, UK" },
      b: { organisation: null, site: "Bristol, UK" },
    },
  });

  it("prefers the organisation, then the site, then the machine", () => {
    expect(partnerName("a", "peer1")).toBe("Leeds Community Archive");
    expect(partnerName("b", "peer2")).toBe("Bristol, UK");
    expect(partnerName("c", "peer3")).toBe("peer3");
    expect(partnerName("c", "")).toBe("(unnamed)");
  });

  it("keeps the site and the machine's name in the detail line", () => {
    expect(partnerDetail("a", "peer1")).toBe("Leeds, UK · computer peer1");
    expect(partnerDetail("b", "peer2")).toBe("computer peer2");
    expect(partnerDetail("c", "peer3")).toBe("");
  });
});
