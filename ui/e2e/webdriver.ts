// A minimal W3C WebDriver client (tauri-driver speaks it on port 4444): just
// what the app's E2E needs, over fetch, no dependencies.

import { execFileSync } from "node:child_process";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class Session {
  constructor(
    private base: string,
    readonly id: string,
  ) {}

  static async start(base: string, application: string): Promise<Session> {
    const r = await send(base, "POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application } } },
    });
    return new Session(base, (r as { sessionId: string }).sessionId);
  }

  private cmd(method: string, path: string, body?: unknown) {
    return send(this.base, method, `/session/${this.id}${path}`, body);
  }

  async end() {
    await this.cmd("DELETE", "").catch(() => {});
  }

  /** The first element matching `css`, waiting up to `timeout` ms for it. */
  async find(css: string, timeout = 15000): Promise<Element> {
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        const r = (await this.cmd("POST", "/element", { using: "css selector", value: css })) as Record<string, string>;
        return new Element(this, r[ELEMENT]);
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`no element ${css}: ${String(e)}`);
        await sleep(200);
      }
    }
  }

  /** The element holding the keyboard focus (the body when none does). */
  async active(): Promise<Element> {
    const r = (await this.cmd("GET", "/element/active")) as Record<string, string>;
    return new Element(this, r[ELEMENT]);
  }

  /** Presses `keys` ("\uE004" Tab, "\uE007" Enter, …) where the keyboard focus is, as a person would. */
  async press(keys: string) {
    // A redraw may replace the focused element (keeping the focus on its successor) between asking
    // which element is focused and sending it the keys; a person's key press would simply land on
    // the successor, so ask again.
    for (let attempt = 0; ; attempt++) {
      try {
        await (await this.active()).keys(keys);
        return;
      } catch (e) {
        if (attempt >= 4 || !String(e).includes("stale element reference")) throw e;
      }
    }
  }

  async findAll(css: string): Promise<Element[]> {
    const r = (await this.cmd("POST", "/elements", { using: "css selector", value: css })) as Record<string, string>[];
    return r.map((e) => new Element(this, e[ELEMENT]));
  }

  /** Waits until `check` (run in the page) returns a truthy value, and returns it. */
  async waitFor<T>(script: string, args: unknown[] = [], timeout = 30000, what = script): Promise<T> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = (await this.execute(script, args)) as T;
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
      await sleep(250);
    }
  }

  execute(script: string, args: unknown[] = []): Promise<unknown> {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /**
   * The window as a person sees it, read from the X server with ImageMagick's
   * `import`. WebKitWebDriver's own screenshot never returns when WebKitGTK
   * draws without accelerated compositing, which the app turns off to save
   * memory (src-tauri/src/memory.rs); the window itself paints normally.
   */
  async screenshot(): Promise<Buffer> {
    const r = (await this.cmd("GET", "/window/rect")) as { x: number; y: number; width: number; height: number };
    const crop = `${r.width}x${r.height}+${Math.max(0, r.x)}+${Math.max(0, r.y)}`;
    return execFileSync("import", ["-window", "root", "-crop", crop, "+repage", "png:-"], {
      env: process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  setRect(width: number, height: number) {
    return this.cmd("POST", "/window/rect", { width, height });
  }

  elementCmd(id: string, method: string, path: string, body?: unknown) {
    return this.cmd(method, `/element/${id}${path}`, body);
  }
}

export class Element {
  constructor(
    private s: Session,
    readonly id: string,
  ) {}
  click() {
    return this.s.elementCmd(this.id, "POST", "/click", {});
  }
  async type(text: string) {
    await this.s.elementCmd(this.id, "POST", "/clear", {});
    return this.s.elementCmd(this.id, "POST", "/value", { text });
  }
  /** Sends keys to an element that is not a field (no clearing first), e.g. "\uE00C" (Esc). */
  keys(text: string) {
    return this.s.elementCmd(this.id, "POST", "/value", { text });
  }
  async text(): Promise<string> {
    return (await this.s.elementCmd(this.id, "GET", "/text")) as string;
  }
  async attr(name: string): Promise<string | null> {
    return (await this.s.elementCmd(this.id, "GET", `/attribute/${name}`)) as string | null;
  }
}

async function send(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await r.json().catch(() => ({}))) as { value?: unknown };
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json.value)}`);
  return json.value;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
