// What the copies' checks found, kept for the page: the last findings of the
// items checked lately (their bad blocks and files, which the kept records
// do not carry), and the throttle that turns a stream of findings into a
// few refreshes of the items they are about.

import type { CopyAudit } from "./bindings";

/**
 * The last finding per partner of the items checked most recently (at most
 * `limit` items, the oldest forgotten first), so the detail can name the bad
 * blocks and files of a check it did not start itself.
 */
export class Findings {
  private items = new Map<string, Map<string, CopyAudit>>();

  constructor(private limit = 200) {}

  add(copy: CopyAudit) {
    let partners = this.items.get(copy.cid);
    if (partners) this.items.delete(copy.cid);
    else partners = new Map();
    partners.set(copy.partner, copy);
    this.items.set(copy.cid, partners);
    if (this.items.size > this.limit) {
      const oldest = this.items.keys().next().value;
      if (oldest !== undefined) this.items.delete(oldest);
    }
  }

  /** The finding of this partner's copy, only when it is the check made at `checkedAt` (when given). */
  of(cid: string, partner: string, checkedAt?: string): CopyAudit | null {
    const f = this.items.get(cid)?.get(partner) ?? null;
    return f && (checkedAt === undefined || f.checked_at === checkedAt) ? f : null;
  }
}

export const findings = new Findings();

type Phase = { cooling: boolean; again: boolean };

/**
 * Runs `run(key)` at most once every `every` ms per key, and at most `limit`
 * runs at once. A key's first poke runs after `delay` ms (the findings of
 * one item's partners arrive together: one run for them all); a poke during
 * the `every` ms after a run makes one more run when they are over.
 */
export class KeyedThrottle {
  private keys = new Map<string, Phase>();
  private queue: string[] = [];
  private running = 0;

  constructor(
    private run: (key: string) => Promise<unknown>,
    private every = 5000,
    private delay = 1000,
    private limit = 4,
  ) {}

  poke(key: string) {
    const phase = this.keys.get(key);
    if (phase) {
      if (phase.cooling) phase.again = true;
      return;
    }
    const fresh: Phase = { cooling: false, again: false };
    this.keys.set(key, fresh);
    setTimeout(() => this.fire(key, fresh), this.delay);
  }

  /** Keys waiting or cooling down (for tests). */
  get pending(): number {
    return this.keys.size;
  }

  private fire(key: string, phase: Phase) {
    phase.cooling = true;
    phase.again = false;
    this.queue.push(key);
    this.next();
    setTimeout(() => {
      if (phase.again) this.fire(key, phase);
      else this.keys.delete(key);
    }, this.every);
  }

  private next() {
    while (this.running < this.limit && this.queue.length) {
      const key = this.queue.shift() as string;
      this.running++;
      void Promise.resolve()
        .then(() => this.run(key))
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.next();
        });
    }
  }
}
