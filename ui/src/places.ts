// Where each partner is: its organisation and site, as the network's nodes
// publish them (ops::partners::places). The library's chips and the detail
// name partners by organisation and place; the machine name (peer name)
// stays in a detail line and under "Technical details".

import { api } from "./api";
import type { NetworkPlaces, Place } from "./bindings";

let known: NetworkPlaces = { partners: 0, by_peer: {} };
let asked: Promise<void> | null = null;

/** Asks the network once (again with `fresh`); a failure keeps what was known. */
export function loadPlaces(fresh = false): Promise<void> {
  if (!asked || fresh) {
    asked = Promise.resolve()
      .then(() => api.networkPlaces())
      .then((p) => {
        known = p;
      })
      .catch(() => {
        asked = null;
      });
  }
  return asked;
}

/** For tests and for a change of node. */
export function setPlaces(p: NetworkPlaces) {
  known = p;
  asked = Promise.resolve();
}

export function placeOf(peerId: string): Place {
  return known.by_peer[peerId] ?? { organisation: null, site: null };
}

/** The name a person knows a partner by: its organisation, else its site, else the machine's name. */
export function placeName(p: Place, peername: string): string {
  return p.organisation ?? p.site ?? (peername || "(unnamed)");
}

/** {@link placeName} of a partner of an item, by its peer id. */
export function partnerName(peerId: string, peername: string): string {
  return placeName(placeOf(peerId), peername);
}

/** The line under a partner's name: its site (when the name is the organisation) and its machine. */
export function partnerDetail(peerId: string, peername: string): string {
  const p = placeOf(peerId);
  const parts: string[] = [];
  if (p.organisation && p.site) parts.push(p.site);
  if (p.organisation || p.site) parts.push(`computer ${peername || "(unnamed)"}`);
  return parts.join(" · ");
}
