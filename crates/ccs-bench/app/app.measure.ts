// Scenario 5 of ccs-bench: the release app as an archivist meets it, against
// the testnet and pinset ccs-bench prepared (CCS_CONFIG names its settings).
// Each run launches the app cold through tauri-driver and measures:
// - cold start to a visible library: from the WebDriver "new session" request
//   (which launches the app) until the first library row is drawn;
// - library first paint: the page's own clock (performance.now(), zero at
//   navigation start) when the first row is seen;
// - the whole library loaded: until the item count shows every item;
// - idle RSS: the app and its WebKit processes, after 10 s with the library open.
// Rows are polled every 20 ms, so times carry up to ~20 ms plus one WebDriver
// round trip of error; the JSON says so.

import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, it } from "vitest";
import { Session, sleep } from "../../../ui/e2e/webdriver";

const appBin = need("CCS_APP_BIN");
const config = need("CCS_CONFIG");
const out = need("CCS_BENCH_APP_OUT");
const items = Number(need("CCS_BENCH_ITEMS"));
const runs = Number(process.env.CCS_BENCH_RUNS ?? "3");
const port = 4700 + (process.pid % 200);
const children: ChildProcess[] = [];

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (ccs-bench sets it)`);
  return v;
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(c);
  return c;
}

/** Resident memory (KiB) of `pid` and every process below it. */
function treeRssKib(pid: number): { own: number; total: number; processes: number } {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const rss = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  };
  let total = 0;
  let processes = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    total += rss(p);
    processes++;
    stack.push(...(children.get(p) ?? []));
  }
  return { own: rss(pid), total, processes };
}

function appPid(): number {
  const base = path.basename(appBin);
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (path.basename(fs.readlinkSync(`/proc/${d}/exe`)) === base) return Number(d);
    } catch {
      // not ours to read, or gone
    }
  }
  throw new Error(`the app (${base}) is not running`);
}

afterAll(() => {
  for (const c of children.reverse()) c.kill("SIGTERM");
});

it("measures the app", async () => {
  const env: NodeJS.ProcessEnv = { CCS_CONFIG: config, CCS_NO_KEYCHAIN: "1" };
  if (!process.env.DISPLAY) {
    const display = `:${80 + (process.pid % 9)}`;
    start("Xvfb", [display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"]);
    env.DISPLAY = display;
    process.env.DISPLAY = display;
    await sleep(1000);
  }
  start("tauri-driver", ["--port", String(port)], env);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/status`);
      break;
    } catch {
      if (i > 150) throw new Error("tauri-driver did not start");
      await sleep(200);
    }
  }
  const results = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const s = await Session.start(base, appBin);
    let firstRowMs = 0;
    let pageFirstRowMs = 0;
    for (;;) {
      const seen = (await s.execute(
        "return document.querySelector('[data-cid]') ? performance.now() : 0",
      )) as number;
      if (seen) {
        firstRowMs = performance.now() - t0;
        pageFirstRowMs = seen;
        break;
      }
      if (performance.now() - t0 > 300_000) throw new Error("no library row after 5 minutes");
      await sleep(20);
    }
    // The count reads "N items" (or "N of M items" while filtered): its last number.
    const fullText = await s.waitFor<string>(
      "const c = document.querySelector('#library-count'); const n = c && (c.textContent.match(/[0-9][0-9,.\\s\\u202f]*/g) || []).pop(); return n && Number(n.replace(/[^0-9]/g, '')) >= arguments[0] && c.textContent",
      [items],
      600_000,
      `the library count reaching ${items}`,
    );
    const allLoadedMs = performance.now() - t0;
    await sleep(10_000);
    const rss = treeRssKib(appPid());
    results.push({
      run: r + 1,
      cold_start_to_first_row_ms: Math.round(firstRowMs),
      page_clock_first_row_ms: Math.round(pageFirstRowMs),
      all_items_listed_ms: Math.round(allLoadedMs),
      count_text: fullText,
      idle_rss_app_kib: rss.own,
      idle_rss_with_webkit_kib: rss.total,
      processes: rss.processes,
    });
    console.log(JSON.stringify(results[results.length - 1]));
    await s.end();
    await sleep(2000);
  }
  fs.writeFileSync(
    out,
    JSON.stringify({ items, poll_interval_ms: 20, runs: results }, null, 2),
  );
});
