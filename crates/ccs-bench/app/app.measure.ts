// Scenario 5 of ccs-bench: the release app as an archivist meets it, against
// the testnet and pinset ccs-bench prepared (CCS_CONFIG names its settings).
// Each run launches the app cold through tauri-driver and measures:
// - cold start to a visible library: from the WebDriver "new session" request
//   (which launches the app) until the first library row is drawn;
// - library first paint: the page's own clock (performance.now(), zero at
//   navigation start) when the first row is seen;
// - the whole library loaded: until the item count shows every item, then
//   until every item's partner states arrived (the second pass);
// - idle memory: the app and its WebKit processes, 10 s after the states
//   arrived, with the library open: RSS (VmRSS; summed over processes it counts shared libraries once per
//   process, so the sum overstates) and PSS (Pss from /proc/PID/smaps_rollup:
//   each shared page divided among the processes that map it, so the sum is
//   what the processes cost together), plus a breakdown of PSS by kind of
//   mapping (heap, libraries, ...) per process from /proc/PID/smaps.
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

/** `pid` and every process below it (children first found through /proc/PID/stat). */
function tree(pid: number): number[] {
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
  const out: number[] = [];
  const stack = [pid];
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

/** What a mapping of /proc/PID/smaps holds, from its name. */
function kind(name: string): string {
  if (name === "[heap]") return "heap (brk)";
  if (name === "[stack]" || name.startsWith("[stack")) return "stacks";
  if (name.startsWith("[")) return "kernel ([vdso] etc.)";
  if (name === "") return "anonymous (malloc arenas, JS heap, caches)";
  if (/\/memfd:|\/dev\/shm|SYSV|\/dev\/dri/.test(name)) return "shared memory (memfd, shm)";
  if (/\.so(\.|$)|\/lib\//.test(name)) return "libraries (.so code and data)";
  if (/\/fonts?\//.test(name) || /\.(ttf|otf|pcf)/.test(name)) return "fonts";
  if (name.includes("icon-theme.cache") || name.includes("/icons/")) return "icons";
  return "other files (the app binary, locale, caches)";
}

/** PSS (KiB) of one process by kind of mapping. */
function pssByKind(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let current = "";
  for (const line of read(`/proc/${pid}/smaps`).split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = kind(head[1].trim());
      continue;
    }
    const m = /^Pss:\s+(\d+)/.exec(line);
    if (m) out[current] = (out[current] ?? 0) + Number(m[1]);
  }
  return out;
}

/** RSS and PSS (KiB) of `pid` and every process below it, with a PSS breakdown per process. */
function treeMemory(pid: number) {
  const procs = tree(pid).map((p) => {
    const status = read(`/proc/${p}/status`);
    const rollup = read(`/proc/${p}/smaps_rollup`);
    return {
      pid: p,
      name: (/^Name:\s+(.*)$/m.exec(status)?.[1] ?? "?").trim(),
      rss_kib: field(status, "VmRSS"),
      pss_kib: field(rollup, "Pss"),
      pss_anon_kib: field(rollup, "Pss_Anon"),
      pss_file_kib: field(rollup, "Pss_File"),
      pss_shmem_kib: field(rollup, "Pss_Shmem"),
      pss_by_kind_kib: pssByKind(p),
    };
  });
  const sum = (k: "rss_kib" | "pss_kib") => procs.reduce((a, p) => a + p[k], 0);
  return { own: procs[0], rss: sum("rss_kib"), pss: sum("pss_kib"), procs };
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
      const seen = (await s.execute("return document.querySelector('[data-cid]') ? performance.now() : 0")) as number;
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
    // Then the second pass: every item's partner states (the page marks the
    // count when the last batch of states arrived). Idle starts after it.
    await s.waitFor<boolean>(
      "const c = document.querySelector('#library-count'); return !!c && c.dataset.states === 'complete'",
      [],
      600_000,
      "every item's partner states",
    );
    const allStatesMs = performance.now() - t0;
    await sleep(10_000);
    const mem = treeMemory(appPid());
    results.push({
      run: r + 1,
      cold_start_to_first_row_ms: Math.round(firstRowMs),
      page_clock_first_row_ms: Math.round(pageFirstRowMs),
      all_items_listed_ms: Math.round(allLoadedMs),
      all_states_ms: Math.round(allStatesMs),
      count_text: fullText,
      idle_rss_app_kib: mem.own.rss_kib,
      idle_rss_with_webkit_kib: mem.rss,
      idle_pss_app_kib: mem.own.pss_kib,
      idle_pss_with_webkit_kib: mem.pss,
      processes: mem.procs.length,
      per_process: mem.procs,
    });
    const { per_process: _, ...line } = results[results.length - 1];
    console.log(JSON.stringify(line));
    for (const p of mem.procs) {
      console.log(
        `  ${p.name} (${p.pid}): RSS ${p.rss_kib} KiB, PSS ${p.pss_kib} KiB ${JSON.stringify(p.pss_by_kind_kib)}`,
      );
    }
    await s.end();
    await sleep(2000);
  }
  fs.writeFileSync(out, JSON.stringify({ items, poll_interval_ms: 20, runs: results }, null, 2));
});
