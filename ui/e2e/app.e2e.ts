// End to end: the built app (tauri build --debug --no-bundle) under Xvfb,
// driven through tauri-driver + WebKitWebDriver, against a real private
// 3-peer testnet. Native pickers answer through the app's test seam
// (CCS_TEST_PICK_FILE): the test writes the "chosen" path before each click.
// Every screen is saved to $CCS_SCREENSHOTS (default: a folder under the
// system's temporary folder, printed at the end); set it to docs/screenshots
// to refresh the README's pictures.

import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session, sleep } from "./webdriver";

const repo = path.resolve(__dirname, "../..");
const target = process.env.CARGO_TARGET_DIR ?? path.join(repo, "target");
const appBin = process.env.CCS_APP_BIN ?? path.join(target, "debug", "community-cloud-storage-app");
const testnetBin = process.env.CCS_TESTNET_BIN ?? path.join(target, "debug", "ccs-testnet");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "ccs-app-e2e-"));
const shots = process.env.CCS_SCREENSHOTS
  ? path.resolve(repo, process.env.CCS_SCREENSHOTS)
  : path.join(os.tmpdir(), "ccs-app-e2e-screenshots");
const netDir = path.join(work, "net");
const pickFile = path.join(work, "pick.txt");
const journalDir = path.join(work, "jobs");
const revealLog = path.join(work, "revealed.txt");
// Every desktop notification the app sends, as D-Bus carries it (a monitor
// in the app's D-Bus session: the call is seen whether or not a desktop
// shows it).
const notifyLog = path.join(work, "notifications.txt");
const port = 4444 + (process.pid % 500);

interface Peer {
  name: string;
  cluster_api: string;
  username: string;
  password: string;
  /** Its data folder (kubo's blocks: `kubo/blocks/XX/KEY.data`, a flatfs store). */
  dir: string;
  /** Its kubo RPC, on loopback. */
  ipfs_api: string;
}

const children: ChildProcess[] = [];
let sessionGroup = 0;
let s: Session;
let peers: Peer[] = [];

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(c);
  return c;
}

async function waitHttp(url: string, timeout = 30000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`nothing answers at ${url}`);
}

async function shot(name: string) {
  await sleep(400);
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `${name}.png`), await s.screenshot());
}

/** The "picked" paths for the next native dialog. */
function willPick(...paths: string[]) {
  fs.writeFileSync(pickFile, `${paths.join("\n")}\n`);
}

const ccsBin = process.env.CCS_BIN ?? path.join(target, "debug", "ccs");
const INVITE_PASSPHRASE = "correct horse battery staple";
/** A 1 x 1 PNG, for the image preview. */
const ONE_PIXEL_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const cliEnv = () => ({
  ...process.env,
  CCS_INVITE_PASSPHRASE: INVITE_PASSPHRASE,
  CCS_NO_KEYCHAIN: "1",
  CCS_JOURNAL_DIR: path.join(work, "cli-jobs"),
});

/** Runs the command line with the settings `config`; its output. */
function ccs(config: string, args: string[]): string {
  return execFileSync(ccsBin, ["--config", config, ...args], {
    env: cliEnv(),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
}

const axeSource = fs.readFileSync(path.join(repo, "node_modules", "axe-core", "axe.min.js"), "utf8");

/** axe-core's WCAG 2.1 A and AA rules on the screen as it is now: each serious
 * or critical violation as "rule: the first elements it found". */
async function accessibilityProblems(): Promise<string[]> {
  await s.execute(
    `if (!window.axe) { ${axeSource} }
     window.__axe = null;
     window.axe
       .run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
       .then(
         (r) => { window.__axe = r.violations
           .filter((v) => v.impact === "serious" || v.impact === "critical")
           .map((v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")); },
         (e) => { window.__axe = ["axe-core failed: " + e]; });`,
  );
  return (await s.waitFor("return window.__axe", [], 60_000, "axe-core's checks")) as string[];
}

/** Opens the item detail's "More…" menu (Edit description, the archival package, Repair, Withdraw). */
async function openMore() {
  if (!(await s.execute("return document.querySelector('#detail-more').open"))) await click("#detail-more summary");
}

/** Clicks an item of the detail's "More…" menu. The detail is drawn again
 * after a save (its history re-read, the library reloaded), and a click can
 * meet the menu mid-redraw ("not interactable" in CI); each try closes the
 * menu and opens it afresh, as a person would. */
async function clickInMore(css: string) {
  const deadline = Date.now() + 45_000;
  for (;;) {
    await openMore();
    try {
      return await whenReady(css, async (c) => (await s.find(c)).click(), 5000);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await s.execute("const m = document.querySelector('#detail-more'); if (m) m.open = false");
      await sleep(500);
    }
  }
}

/** Waits until `file` exists (a save is renamed into place only when whole). */
async function waitForFile(file: string, timeout = 60_000) {
  const until = Date.now() + timeout;
  while (!fs.existsSync(file) && Date.now() < until) await sleep(200);
}

/** Opens the open item's Contents and returns its count line once the list is read. */
async function openContents(): Promise<string> {
  await click("#detail-contents summary");
  return (await s.waitFor(
    "return document.querySelector('#detail-contents-count')?.textContent",
    [],
    30_000,
    "the item's contents",
  )) as string;
}

/** The screen as it is, in the dark theme too: checked by axe-core, and shot as `dark-NAME`. */
async function darkToo(name: string) {
  await s.execute("document.documentElement.dataset.theme = 'dark'");
  try {
    expect(await accessibilityProblems()).toEqual([]);
    await shot(`dark-${name}`);
  } finally {
    await s.execute("delete document.documentElement.dataset.theme");
  }
}

/** Opens the jobs tray when it has folded to its one line. */
async function openTray() {
  if ((await s.execute("return document.querySelector('#jobs-toggle').getAttribute('aria-expanded')")) === "false") {
    await click("#jobs-toggle");
  }
}

/** Chooses `file` in the welcome screen's join form, types `passphrase`, clicks Join. */
async function join(file: string, passphrase: string) {
  willPick(file);
  await click("#join-pick");
  await s.waitFor("return document.querySelector('#join-file').textContent === arguments[0]", [path.basename(file)]);
  await s.execute("document.querySelector('#join-pass').value = ''");
  await type("#join-pass", passphrase);
  await click("#join-go");
}

/**
 * A release feed as the release workflow publishes one (latest.json and the
 * update itself) announcing version 99.0.0, signed the way `tauri signer sign`
 * signs (minisign, Ed25519) but with a key of its own, not the app's
 * publishers'. The app reads it through CCS_TEST_UPDATE_ENDPOINT (debug builds
 * only; the key it trusts stays the one built in). Returns the feed's address.
 */
async function serveUpdateFeed(): Promise<string> {
  const update = Buffer.from("an app that is not from its publishers");
  const { privateKey } = generateKeyPairSync("ed25519");
  const keyId = randomBytes(8);
  const signature = sign(null, update, privateKey);
  const trusted = "timestamp:1764583200\tfile:app.tar.gz\tversion:99.0.0";
  const global = sign(null, Buffer.concat([signature, Buffer.from(trusted)]), privateKey);
  const minisign = [
    "untrusted comment: signature from tauri secret key",
    Buffer.concat([Buffer.from("Ed"), keyId, signature]).toString("base64"),
    `trusted comment: ${trusted}`,
    global.toString("base64"),
    "",
  ].join("\n");
  const server = http.createServer((req, res) => {
    const base = `http://${req.headers.host}`;
    if (req.url === "/latest.json") {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          version: "99.0.0",
          notes: "Checks of the copies run faster.",
          pub_date: "2026-12-01T10:00:00Z",
          platforms: {
            "linux-x86_64": { url: `${base}/app.tar.gz`, signature: Buffer.from(minisign).toString("base64") },
          },
        }),
      );
    } else if (req.url === "/app.tar.gz") {
      res.setHeader("content-length", update.length);
      res.end(update);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  server.unref();
  const { port: feedPort } = server.address() as import("node:net").AddressInfo;
  return `http://127.0.0.1:${feedPort}/latest.json`;
}

/** An invitation to a node that has gone: a stand-in answers as a member
 * while `ccs invite person` tries it, then stops. (A stand-in only for this
 * error case; every join that works goes to the real testnet.) */
async function invitationToAGoneNode(): Promise<string> {
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url?.startsWith("/id")) res.end(JSON.stringify({ id: "12D3KooWold", peername: "old", cluster_peers: [] }));
    else if (req.url?.startsWith("/version")) res.end(JSON.stringify({ version: "1.1.6" }));
    else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port: standIn } = server.address() as import("node:net").AddressInfo;
  const config = path.join(work, "old-node.toml");
  fs.writeFileSync(
    config,
    `default_node = "old"\n[nodes.old]\ncluster_api = "http://127.0.0.1:${standIn}"\nusername = "ccs-admin"\npassword = "gone"\n`,
    { mode: 0o600 },
  );
  const file = path.join(work, "Old.ccsinvite");
  try {
    // Not execFileSync: the stand-in answers from this process's event loop.
    await promisify(execFile)(ccsBin, ["--config", config, "invite", "person", "-o", file], { env: cliEnv() });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  return file;
}

function makeFolder(root: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `box ${String(i % 8).padStart(2, "0")}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `scan ${String(i).padStart(3, "0")}.tif`), randomBytes(20_000 + (i % 7) * 3000));
  }
}

function treeDigest(root: string): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      h.update(path.relative(root, p));
      if (e.isDirectory()) walk(p);
      else h.update(fs.readFileSync(p));
    }
  };
  walk(root);
  return h.digest("hex");
}

/** Runs `act` on the element once it is on screen and enabled, scrolled to the
 * middle (so the jobs tray never covers it), retrying while WebKit still calls
 * it "not interactable" (a re-render or layout shift in progress). */
async function whenReady(css: string, act: (css: string) => Promise<unknown>, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    await s.waitFor(
      "const e = document.querySelector(arguments[0]); if (!e) return false; e.scrollIntoView({ block: 'center' }); const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !e.disabled",
      [css],
      timeout,
      `${css} to be on screen and enabled`,
    );
    try {
      return await act(css);
    } catch (e) {
      const retry = /not interactable|intercepted|stale/i.test(String(e));
      if (!retry || Date.now() > deadline) throw e;
      await sleep(250);
    }
  }
}
const click = (css: string) => whenReady(css, async (c) => (await s.find(c)).click());
const type = (css: string, text: string) => whenReady(css, async (c) => (await s.find(c)).type(text));

beforeAll(async () => {
  if (!fs.existsSync(appBin)) throw new Error(`build the app first: ${appBin} is missing`);
  if (!fs.existsSync(ccsBin)) throw new Error(`build the command line first: ${ccsBin} is missing`);
  const env: NodeJS.ProcessEnv = {};
  if (!process.env.DISPLAY) {
    const display = `:${90 + (process.pid % 9)}`;
    start("Xvfb", [display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"]);
    env.DISPLAY = display;
    process.env.DISPLAY = display;
    await sleep(1000);
  }
  // Two partners name their organisation and site; the third, as a node made
  // before sites existed, names neither and still takes part.
  execFileSync(
    testnetBin,
    [
      "up",
      "--peers",
      "3",
      "--dir",
      netDir,
      "--place",
      "Leeds Community Archive|Leeds, UK",
      "--place",
      "Bristol Archives|Bristol, UK",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  peers = JSON.parse(fs.readFileSync(path.join(netDir, "testnet.json"), "utf8")).peers;
  // The partners' table from the testnet, but no node chosen: the app opens on first run.
  const config = path.join(work, "config.toml");
  // Without passwords: the one typed in Settings is saved (to the keychain) by the app.
  const table = fs
    .readFileSync(path.join(netDir, "config.toml"), "utf8")
    .replace(/^default[-_]node\s*=.*$/m, "")
    .replace(/^password\s*=.*$/gm, "");
  fs.writeFileSync(config, table, { mode: 0o600 });
  // tauri-driver (and so the app) runs in a private D-Bus session with an
  // unlocked gnome-keyring under a temporary $HOME: Settings saves the password
  // in a real keychain. Its own process group, so the whole session stops at the end.
  const home = path.join(work, "home");
  fs.mkdirSync(home);
  const session = spawn(
    "dbus-run-session",
    [
      "--",
      "sh",
      "-c",
      "printf 'e2e keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; " +
        // Wait until it owns the Secret Service name: otherwise D-Bus may start a second, locked keyring.
        "for _ in $(seq 100); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done; " +
        `dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" > "$NOTIFY_LOG" 2>&1 & ` +
        'exec "$@"',
      "sh",
      "tauri-driver",
      "--port",
      String(port),
    ],
    {
      env: {
        ...process.env,
        ...env,
        HOME: home,
        CCS_CONFIG: config,
        CCS_TEST_PICK_FILE: pickFile,
        CCS_JOURNAL_DIR: journalDir,
        CCS_TEST_REVEAL_LOG: revealLog,
        // Every add counts as long: the test's take a second or two.
        CCS_TEST_LONG_ADD_SECONDS: "0",
        CCS_TEST_UPDATE_ENDPOINT: await serveUpdateFeed(),
        NOTIFY_LOG: notifyLog,
        CCS_NO_KEYCHAIN: "",
      },
      stdio: ["ignore", "ignore", "inherit"],
      detached: true,
    },
  );
  sessionGroup = session.pid ?? 0;
  await waitHttp(`http://127.0.0.1:${port}/status`);
  s = await Session.start(`http://127.0.0.1:${port}`, appBin);
  await sleep(1500);
});

afterAll(async () => {
  await s?.end();
  try {
    execFileSync(testnetBin, ["down", "--dir", netDir], { stdio: "ignore" });
  } catch {
    // already down
  }
  if (sessionGroup) {
    try {
      process.kill(-sessionGroup, "SIGTERM");
    } catch {
      // already gone
    }
  }
  for (const c of children.reverse()) c.kill("SIGTERM");
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`screenshots: ${shots}`);
});

/** The running app's process id. */
function appPid(): string {
  return execFileSync("pgrep", ["-n", "-f", `^${appBin}`])
    .toString()
    .trim();
}

/** The running app's environment (its display and D-Bus session), as a launch from its desktop would have. */
function appEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    fs
      .readFileSync(`/proc/${appPid()}/environ`, "utf8")
      .split("\0")
      .filter((kv) => kv.includes("="))
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}

/** Launches the app again with `args` (as the desktop would, from `work`): it hands them to the running one and ends. */
function launchAgain(args: string[]) {
  const again = spawnSync(appBin, args, { cwd: work, env: appEnv(), timeout: 30_000 });
  expect(again.status, String(again.stderr)).toBe(0);
}

/** What the join form, opened by a second launch, names as the invitation. */
function joinFormNames(what: string): Promise<string> {
  return s.waitFor(
    "return document.querySelector('#settings-join')?.open && document.querySelector('#join-file')?.textContent",
    [],
    10_000,
    what,
  );
}

/** The titles of the desktop notifications sent so far (one Notify call each). */
function notified(): string[] {
  const log = fs.existsSync(notifyLog) ? fs.readFileSync(notifyLog, "utf8") : "";
  // Each call's arguments: app name, replaces id, icon, then the title.
  return [
    ...log.matchAll(/member=Notify\n\s+string "[^"]*"\n\s+uint32 \d+\n\s+string "[^"]*"\n\s+string "([^"]*)"/g),
  ].map((m) => m[1]);
}

async function waitNotified(title: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!notified().includes(title)) {
    if (Date.now() > end) throw new Error(`no notification "${title}"; sent: ${JSON.stringify(notified())}`);
    await sleep(250);
  }
}

describe("the desktop app against a real testnet", () => {
  let cid = "";
  const folder = path.join(work, "Parish scans");

  it("joins on first run with an invitation: a wrong passphrase, an unreachable node, then the right one", async () => {
    await s.find("#join-pick");
    // Until this computer is connected, the welcome screen is the only place.
    expect(await s.execute("return [...document.querySelectorAll('nav.places button')].map((b) => b.id)")).toEqual([
      "nav-welcome",
    ]);
    await shot("01-first-run");
    // The first-run screen in the dark theme too, checked the same way as every screen.
    await darkToo("first-run");
    // Connecting by hand stays, with a clear verdict for a wrong password.
    const p = peers[0];
    await click("#connect-by-hand summary");
    await type("#settings-address", p.cluster_api);
    await type("#settings-user", p.username);
    await type("#settings-pass", "wrong password");
    await click("#settings-test");
    const verdict = await s.find("#settings-verdict [data-verdict='unauthorized']");
    expect(await verdict.text()).toContain("refused the user name or password");
    await shot("02-settings-wrong-password");
    await click("#connect-by-hand summary");

    // The administrator's invitation for Ann (`ccs invite person`, connected to peer1).
    const invitation = path.join(work, "Ann.ccsinvite");
    ccs(path.join(netDir, "config.toml"), ["invite", "person", "-o", invitation, "--for", "Ann"]);
    await join(invitation, "not the passphrase at all");
    const wrong = await s.find("#join-verdict [data-verdict='wrong_passphrase']");
    expect(await wrong.text()).toContain("does not open this invitation");
    await shot("02b-join-wrong-passphrase");

    // An invitation to a node that no longer answers (made while a stand-in
    // answered for it): says that this computer is not on a tailnet.
    const gone = await invitationToAGoneNode();
    await join(gone, INVITE_PASSPHRASE);
    const unreachable = await s.find("#join-verdict [data-verdict='unreachable']", 30000);
    expect(await unreachable.text()).toContain("not on a tailnet");
    expect(await unreachable.text()).toContain("Tailscale");
    await shot("02c-join-unreachable");

    await join(invitation, INVITE_PASSPHRASE);
    await s.find("#library-empty");
    expect(await (await s.find("#network-badge")).text()).toContain("Connected");
    expect(await s.execute("return document.querySelectorAll('nav.places button').length")).toBe(7);
    await shot("03-library-empty");
    // The password went to the keychain, not the settings file, and Settings says so.
    expect(fs.readFileSync(path.join(work, "config.toml"), "utf8")).not.toContain(p.password);
    await click("#nav-settings");
    const where = await s.find("#settings-password-storage");
    expect(await where.attr("data-storage")).toBe("keychain");
    expect(await where.text()).toContain("keychain");
    await s.execute("document.querySelector('#settings-password-storage').scrollIntoView({ block: 'center' })");
    await shot("03b-settings-connected");
    await click("#nav-library");
  });

  it("adds a folder of 200 files through the folder picker, progress reaching 100%", async () => {
    makeFolder(folder, 200);
    await click("#nav-add");
    willPick(folder);
    await click("#add-pick-folder");
    await s.waitFor("return document.querySelector('#add-picked')?.textContent.includes(arguments[0])", [folder]);
    // Before anything is sent: what will be sent. The first add from this computer has no measured speed yet.
    const what = (await s.waitFor(
      "return document.querySelector('#add-preview-what')?.textContent",
      [],
      30_000,
      "the add's preview",
    )) as string;
    expect(what).toMatch(/^200 files in 9 folders, 5\.\d MB\.$/);
    expect(await (await s.find("#add-preview-time")).text()).toContain("estimated once");
    await type("#add-title", "Parish scans 1890");
    await type("#add-collection", "Parish");
    await shot("04-add");
    await click("#add-start");
    const seen = new Set<string>();
    const deadline = Date.now() + 240_000;
    for (;;) {
      const st = (await s.execute(
        "const j = document.querySelector('.job'); return j && [j.dataset.state, j.dataset.percent, j.textContent]",
      )) as [string, string, string] | null;
      if (st) {
        seen.add(st[1]);
        if (st[0] === "running" && Number(st[1]) > 0 && !seen.has("shot")) {
          seen.add("shot");
          await shot("05-add-progress");
        }
        if (st[0] !== "running") {
          expect(st[0], st[2]).toBe("done");
          expect(st[1]).toBe("100");
          expect(st[2]).toContain("of 200 files");
          break;
        }
      }
      if (Date.now() > deadline) throw new Error("the add did not finish");
      await sleep(100);
    }
    // Done: the tray folds to one line saying so, with no content ID in it.
    const line = (await s.waitFor(
      "const t = document.querySelector('#jobs-toggle'); return t && t.getAttribute('aria-expanded') === 'false' && t.textContent",
      [],
      10_000,
      "the tray to fold to its one line",
    )) as string;
    expect(line).toContain("\u2713 Added Parish scans 1890");
    // A screen reader hears it end.
    expect(await s.execute("return document.querySelector('#jobs-announce').textContent")).toContain(
      "Added Parish scans 1890.",
    );
    expect(await s.execute("return document.querySelector('#jobs').textContent")).not.toMatch(/Qm[1-9A-Za-z]{44}|bafy/);
    await click("#nav-library");
    cid = (await s.waitFor(
      "document.querySelector('#library-refresh')?.click(); const r = [...document.querySelectorAll('[data-cid]')].find((r) => r.textContent.includes('Parish scans 1890')); return r && r.dataset.cid",
      [],
      30_000,
      "the new item in the library",
    )) as string;
    expect(cid).toMatch(/^(Qm|bafy)/);
  });

  it("lists the item with every partner holding a copy", async () => {
    await click("#nav-library");
    await s.waitFor(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a script for the page, whose template fills in arguments[0] there
      "document.querySelector('#library-refresh')?.click(); const r = document.querySelector(`[data-cid='${arguments[0]}'] .pill`); return r && r.dataset.copies === '3/3'",
      [cid],
      120_000,
      "3 of 3 copies",
    );
    const chips = await s.execute(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a script for the page, whose template fills in arguments[0] there
      "return [...document.querySelectorAll(`[data-cid='${arguments[0]}'] .chip`)].map(c => c.dataset.status)",
      [cid],
    );
    expect(chips).toEqual(["pinned", "pinned", "pinned"]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a script for the page, whose template fills in arguments[0] there
    const row = await s.execute("return document.querySelector(`[data-cid='${arguments[0]}']`).textContent", [cid]);
    expect(row).toContain("Parish scans 1890");
    expect(row).toContain("3 of 3 copies");
    await shot("06-library");
  });

  it("opens the detail and saves the item to disk, byte-identical", async () => {
    await click(`[data-cid='${cid}']`);
    const stored = await s.execute(
      "return [...document.querySelectorAll('#detail .partner-list .chip')].map(c => c.textContent)",
    );
    expect(stored).toEqual(["Stored", "Stored", "Stored"]);
    await shot("07-detail");
    // The content ID is one of the technical details, shown on request.
    expect(await s.execute("return document.querySelector('#detail-tech').open")).toBe(false);
    await click("#detail-tech summary");
    expect(await (await s.find("#detail-cid")).text()).toBe(cid);
    await click("#detail-tech summary");
    const dest = path.join(work, "restored");
    willPick(dest);
    await click("#detail-save");
    await s.waitFor(
      "const j = document.querySelector('.job[data-job^=\"retrieve\"]'); return j && j.dataset.state !== 'running' && j.dataset.state",
      [],
      120_000,
      "the retrieval to finish",
    );
    await openTray();
    const job = await s.find(".job[data-job^='retrieve']");
    expect(await job.attr("data-state")).toBe("done");
    expect(await job.text()).toContain("every part checked");
    expect(treeDigest(dest)).toBe(treeDigest(folder));
    await shot("08-saved");
    // "Show in folder" opens the file manager at the saved folder (the test seam records the path).
    await click(".job[data-job^='retrieve'] .show-in-folder");
    await waitForFile(revealLog, 10_000);
    expect(fs.readFileSync(revealLog, "utf8").trim()).toBe(dest);
    // Its Contents: every file, in a list the keyboard moves through; one file saved on its own, byte-identical.
    const counted = await openContents();
    expect(counted).toMatch(/^200 files, 5\.\d MB\.$/);
    const rowsDrawn = (await s.execute("return document.querySelectorAll('.contents-row').length")) as number;
    expect(rowsDrawn).toBeLessThan(40);
    await (await s.find(".contents-row")).keys("\uE010"); // End
    const last = "box 07/scan 199.tif";
    expect(await s.execute("return document.activeElement?.dataset?.path ?? null")).toBe(last);
    expect(await accessibilityProblems()).toEqual([]);
    await shot("08b-contents");
    await darkToo("contents");
    const one = path.join(work, "scan 199 back.tif");
    willPick(one);
    await click(`.contents-row[data-path='${last}'] [data-action='save']`);
    await waitForFile(one);
    expect(fs.readFileSync(one).equals(fs.readFileSync(path.join(folder, last)))).toBe(true);
    // Esc closes the detail and gives the focus back to the item's row.
    await (await s.find(`[data-cid='${cid}']`)).keys("\uE00C");
    await s.waitFor("return !document.querySelector('#detail-save')", [], 5000, "Esc to close the detail");
    expect(await s.execute("return document.activeElement?.dataset?.cid ?? null")).toBe(cid);
  });

  it("checks every copy on request, names a damaged one in plain words, and sees it repaired", async () => {
    await click(`[data-cid='${cid}']`);
    await s.find("#detail-checks-list");
    /** Clicks "Check copies now" and waits until the check is over; returns what it said. */
    const checkNow = async () => {
      await click("#detail-check");
      await s.waitFor(
        "const b = document.querySelector('#detail-check'); return b && !b.disabled && document.querySelector('#detail-check-result, #detail-check-status [role=alert]')",
        [],
        120_000,
        "the check of every copy to end",
      );
      await s.execute("document.querySelector('#detail-checks').scrollIntoView({ block: 'start' })");
      // Read in the page in one step: the detail may be drawn again (an
      // audit finding arriving) between finding the element and reading it.
      return s.waitFor<string>(
        "const e = document.querySelector('#detail-check-status'); return e && e.innerText.replace(/\\s+/g, ' ').trim()",
      );
    };
    /** What the person sees for each partner in "Copies checked" (closed disclosures show nothing). */
    const copiesSeen = async () =>
      (await s.execute(
        "return Object.fromEntries([...document.querySelectorAll('#detail-checks-list > li')].map(li => [li.dataset.partner, li.innerText.replace(/\\s+/g, ' ')]))",
      )) as Record<string, string>;
    /** The library row's "Last verified", once it shows `want`. */
    const rowVerified = (want: string) =>
      s.waitFor<string>(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a script for the page, whose template fills in arguments[0] there
        "const c = document.querySelector(`.lib-rows [data-cid='${arguments[0]}'] .c-verified`); return c && c.innerText.includes(arguments[1]) && c.innerText",
        [cid, want],
        10_000,
        `the library row to say "${want}"`,
      );

    // 1. Every copy verified.
    expect(await checkNow()).toBe("All 3 copies are verified: every part of them is intact.");
    const verified = await copiesSeen();
    expect(Object.keys(verified).sort()).toEqual(["peer1", "peer2", "peer3"]);
    for (const line of Object.values(verified)) expect(line).toMatch(/Verified just now/);
    await rowVerified("just now");
    await shot("fixity-verified");
    // Nothing needs attention yet.
    await click("#filter-attention");
    await s.waitFor("return document.querySelector('#library-count').textContent.startsWith('0 of')");
    await click("#filter-all");

    // 2. One block of one file damaged in peer3's repository (a byte flipped, the rest intact).
    const peer3 = peers.find((p) => p.name === "peer3") as Peer;
    const scan = fs.readFileSync(path.join(folder, "box 00", "scan 000.tif"));
    const marker = scan.subarray(10_000, 10_064);
    const blocks = path.join(peer3.dir, "kubo", "blocks");
    const holding = fs
      .readdirSync(blocks, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => fs.readdirSync(path.join(blocks, d.name)).map((f) => path.join(blocks, d.name, f)))
      .filter((f) => f.endsWith(".data"))
      .map((f) => ({ f, data: fs.readFileSync(f) }))
      .filter(({ data }) => data.includes(marker));
    expect(holding).toHaveLength(1);
    const { f: blockFile, data } = holding[0];
    data[data.indexOf(marker) + marker.length + 5] ^= 0xff;
    fs.writeFileSync(blockFile, data);

    expect(await checkNow()).toBe("Problems found in peer3's copy.");
    const problem = await copiesSeen();
    expect(problem.peer1).toMatch(/Verified just now/);
    expect(problem.peer2).toMatch(/Verified just now/);
    expect(problem.peer3).toContain("Problems found just now");
    expect(problem.peer3).toContain("peer3's copy is damaged.");
    expect(problem.peer3).toContain("Ask the person who runs peer3 to repair it, then check again.");
    // The technical words stay behind "Technical details" until asked for.
    expect(problem.peer3).not.toContain("ccs node check");
    await click("#detail-checks-list li[data-partner='peer3'] details summary");
    const tech = (await s.waitFor(
      "const d = document.querySelector(\"#detail-checks-list li[data-partner='peer3'] details\"); return d && d.open && d.innerText",
    )) as string;
    expect(tech).toContain("ccs node check --repair");
    expect(tech).toContain("Damaged block");
    expect(tech).toContain("scan 000.tif");
    await rowVerified("Problems found");
    await click("#filter-attention");
    await s.waitFor(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a script for the page, whose template fills in arguments[0] there
      "return document.querySelector(`.lib-rows [data-cid='${arguments[0]}']`) && document.querySelector('#library-count').textContent.startsWith('1 ')",
      [cid],
      10_000,
      "Needs attention to list the item",
    );
    await shot("fixity-problem");

    // 3. Repaired as peer3's operator would: kubo re-hashes every block, and fetches a damaged one again.
    const heal = await fetch(new URL("/api/v0/repo/verify?heal=true", peer3.ipfs_api), { method: "POST" });
    const healed = await heal.text();
    expect(heal.ok, healed).toBe(true);
    expect(await checkNow()).toBe("All 3 copies are verified: every part of them is intact.");
    const repaired = await copiesSeen();
    for (const line of Object.values(repaired)) expect(line).toMatch(/Verified just now/);
    // No longer in need of attention.
    await s.waitFor(
      "return document.querySelector('#library-count').textContent.startsWith('0 of')",
      [],
      10_000,
      "the item to leave Needs attention",
    );
    await click("#filter-all");
    await rowVerified("just now");
    await shot("fixity-repaired");
  });

  it("shows the partners", async () => {
    await click("#nav-partners");
    await s.find("#partners-table tbody tr");
    // Each partner's metrics (free space, organisation and site) reach the
    // connected node every few seconds: Refresh until all have arrived.
    await s.waitFor(
      "const t = document.querySelector('#partners-table')?.textContent ?? ''; if (!t.includes('Not reported yet') && t.includes('Bristol Archives')) return true; if (Date.now() - (window.lastRefresh ?? 0) > 2000) { window.lastRefresh = Date.now(); document.querySelector('.page-head button')?.click(); } return false;",
      [],
      60_000,
      "every partner's free space, organisation and site",
    );
    const rows = (await s.execute(
      "return [...document.querySelectorAll('#partners-table tbody tr')].map(r => r.textContent)",
    )) as string[];
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r).toContain("Online");
    expect(rows.join()).toContain("1 item");
    // Each partner's copy was checked three times here; the last check passed.
    for (const r of rows) expect(r).toContain("1 of 1 copy passed");
    for (const r of rows) expect(r).toMatch(/Last checked (just now|\d+ minutes? ago)/);
    // Named by organisation and place; the machine's name on a line of its own.
    const joined = rows.join("\n");
    expect(joined).toContain("Leeds Community ArchiveLeeds, UKComputer peer1");
    expect(joined).toContain("Bristol ArchivesBristol, UKComputer peer2");
    expect(joined).toContain("peer3Organisation and place not given");
    expect(await (await s.find("#partners-hint")).text()).toBe("3 members in this network, on 2 sites.");
    // The rules every member follows: nobody set any, so the defaults.
    const rules = await (await s.find("#network-rules")).text();
    expect(rules).toContain("these defaults apply");
    expect(rules).toContain("Copies every item should have");
    // Check placement: every item against the rules, nothing changed.
    await click("#check-placement");
    await s.find("#placement-table tbody tr");
    const placement = await (await s.find("#placement-result")).text();
    expect(placement).toMatch(/(All \d+ items are|The one item is) placed as the network's rules ask\./);
    expect(placement).toContain("Bristol Archives");
    await shot("09-partners");
    await s.execute("document.querySelector('#placement').scrollIntoView()");
    await shot("partners-placement");
  });

  it("shows what happened to the item, and the network's activity filtered by kind and partner", async () => {
    await click("#nav-library");
    await click(`[data-cid='${cid}']`);
    // Described anew after it was stored: on every partner, and in its history.
    await clickInMore("#detail-describe");
    await s.find("dialog.describe");
    await s.execute(
      "document.querySelector('#describe-dc-date').value = '1890'; document.querySelector('#describe-dc-identifier').value = 'ACC-2026-014'",
    );
    await shot("describe");
    await click("#describe-save");
    const described = (await s.waitFor(
      "const r = document.querySelector('#detail-describe-result'); return r && r.innerText",
      [],
      60_000,
      "the description to be saved",
    )) as string;
    expect(described.length).toBeGreaterThan(5);
    await s.waitFor(
      "return document.querySelector('#detail').innerText.includes('ACC-2026-014')",
      [],
      30_000,
      "the detail to show the accession number",
    );
    // Saved as an archival package: a bag that the archives' own tool (Python bagit) finds valid.
    const bag = path.join(work, "Parish scans 1890 (BagIt)");
    willPick(bag);
    await clickInMore("#detail-bag");
    const packaged = (await s.waitFor(
      "const j = [...document.querySelectorAll('.job')].find(j => j.textContent.includes('Packag')); return j && j.dataset.state !== 'running' && j.dataset.state + ' ' + j.textContent",
      [],
      120_000,
      "the archival package to be saved",
    )) as string;
    expect(packaged).toMatch(/^done /);
    expect(packaged).toContain("every file matched the checksums taken when it was added");
    const python = process.env.CCS_PYTHON ?? path.join(os.homedir(), ".cache", "ccs", "python", "bin", "python");
    execFileSync(python, ["-c", "import bagit, sys; bagit.Bag(sys.argv[1]).validate()", bag]);
    expect(treeDigest(path.join(bag, "data"))).toBe(treeDigest(folder));
    expect(fs.readFileSync(path.join(bag, "bag-info.txt"), "utf8")).toContain(`External-Identifier: ${cid}`);
    await shot("bag-export");
    // Added, saved twice, described, and each of the three copies checked three times: read from the network.
    const history = (await s.waitFor(
      "const l = document.querySelectorAll('#detail-history-list > li'); return l.length >= 14 && document.querySelector('#detail-history').innerText",
      [],
      30_000,
      "the item's history to be read",
    )) as string;
    expect(history).toContain("Added to storage");
    expect(history).toContain("Description changed");
    expect(history).toMatch(/Saved to a computer from peer\d/);
    expect(history).toContain("peer3's copy did not pass its check");
    expect(history).toContain("peer3's copy checked: every part matched");
    // In plain words: the record's own sentences (with content IDs) stay behind "Technical details".
    expect(history).not.toContain(cid);
    await s.execute("document.querySelector('#detail-history').scrollIntoView({ block: 'start' })");
    await shot("history-item");

    await click("#nav-activity");
    const rows = () =>
      s.execute(
        "return [...document.querySelectorAll('#activity-list > li')].map(li => li.innerText.replace(/\\s+/g, ' '))",
      ) as Promise<string[]>;
    await s.waitFor(
      "return document.querySelectorAll('#activity-list > li').length >= 11",
      [],
      30_000,
      "the activity to be read",
    );
    const all = await rows();
    for (const r of all) expect(r).toContain("Parish scans 1890");
    expect(all.join("\n")).not.toContain(cid);
    /** Chooses `value` in the filter `css`, as a person would with the keyboard. */
    const choose = (css: string, value: string) =>
      s.execute(
        "const e = document.querySelector(arguments[0]); e.focus(); e.value = arguments[1]; e.dispatchEvent(new Event('change'))",
        [css, value],
      );
    await choose("#activity-type", "fixity_check");
    await choose("#activity-partner", "peer3");
    await s.waitFor(
      "const l = [...document.querySelectorAll('#activity-list > li')]; return l.length >= 3 && l.every(li => li.dataset.type === 'fixity_check' && li.innerText.includes('peer3'))",
      [],
      30_000,
      "the activity to show peer3's checks alone",
    );
    const peer3 = await rows();
    expect(peer3.filter((r) => r.includes("did not pass"))).toHaveLength(1);
    for (const r of peer3) expect(r).toContain("peer3");
    await shot("activity");

    // The inventory, saved where the person chose: one row an item, each copy's last check.
    await click("#nav-library");
    const inventory = path.join(work, "inventory.csv");
    willPick(inventory);
    await click("#library-export");
    const said = (await s.waitFor(
      "const n = document.querySelector('#page-notice'); return n && n.innerText.startsWith('Saved the inventory') && n.innerText",
      [],
      60_000,
      "the inventory to be saved",
    )) as string;
    expect(said).toContain("Saved the inventory of 1 item to");
    const csv = fs.readFileSync(inventory, "utf8");
    expect(csv.split("\n")[0]).toContain("cid,title,collection,size_bytes,files");
    expect(csv).toContain(cid);
    expect(csv).toContain("Parish scans 1890");
    expect(csv).toMatch(/peer3: verified \d{4}-/);
  });

  it("passes axe-core's WCAG 2.1 A and AA checks on every screen, in the light and the dark theme", async () => {
    const screens: [string, () => Promise<unknown>][] = [
      ["library", () => click("#nav-library")],
      [
        "detail",
        async () => {
          await click(`[data-cid='${cid}']`);
          await s.find("#detail-save");
        },
      ],
      ["add", () => click("#nav-add")],
      ["partners", () => click("#nav-partners")],
      ["activity", () => click("#nav-activity")],
      [
        "settings",
        async () => {
          await click("#nav-settings");
          // The glossary open, so its words are checked (and shown) too.
          await click("#settings-words summary");
          expect(await (await s.find("#settings-words")).text()).toContain("Fewer copies than planned");
        },
      ],
      ["admin", () => click("#nav-admin")],
    ];
    // The check can fail: grey on white is found.
    await click("#nav-library");
    await s.execute(
      "const p = document.createElement('p'); p.id = 'axe-probe'; p.textContent = 'Hard to read'; p.style.cssText = 'color:#c8c8c8;background:#fff'; document.querySelector('#main').prepend(p)",
    );
    expect((await accessibilityProblems()).join(" ")).toContain("color-contrast: #axe-probe");
    await s.execute("document.querySelector('#axe-probe').remove()");
    const found: string[] = [];
    for (const theme of ["light", "dark"]) {
      await s.execute("document.documentElement.dataset.theme = arguments[0]", [theme]);
      for (const [name, open] of screens) {
        await open();
        await sleep(300);
        for (const p of await accessibilityProblems()) found.push(`${theme} ${name}: ${p}`);
        if (theme === "dark") await shot(`dark-${name}`);
      }
    }
    await s.execute("delete document.documentElement.dataset.theme");
    expect(found).toEqual([]);
  });

  it("invites a colleague, whose invitation joins; creates a network file and a partner's that docker-compose accepts", async () => {
    await click("#nav-admin");
    await type("#colleague-name", "Bea Jones");
    await type("#colleague-pass", INVITE_PASSPHRASE);
    const bea = path.join(work, "Bea Jones.ccsinvite");
    willPick(bea);
    await click("#colleague-save");
    expect(await (await s.find("#colleague-done")).text()).toContain("to Bea Jones");
    await shot("10a-admin-invite-colleague");
    // Her computer joins with it (the command line's join, the same core).
    const beaConfig = path.join(work, "bea", "settings.toml");
    fs.mkdirSync(path.dirname(beaConfig));
    expect(ccs(beaConfig, ["join", bea])).toContain("Joined as Bea Jones");

    const boot = path.join(work, "compose.yml");
    await type("#create-name", "bootstrap");
    willPick(boot);
    await click("#create-save");
    await s.waitFor("return document.body.textContent.includes('Keep the file safe')");
    expect(fs.existsSync(boot)).toBe(true);

    willPick(boot);
    await click("#invite-pick-file");
    await s.waitFor("return document.querySelector('#invite-network-file').textContent.endsWith('compose.yml')");
    await type("#invite-partner", "acme");
    await type("#invite-bootstrap", "bootstrap");
    const dest = path.join(work, "acme-compose.yml");
    willPick(dest);
    await click("#invite-save");
    expect(await (await s.find("#invite-done")).text()).toContain(dest);
    await shot("10-invite");
    execFileSync("docker-compose", ["-f", dest, "config", "-q"], { cwd: work, stdio: ["ignore", "ignore", "inherit"] });
  });

  it("a second launch with an invitation hands it to the running app and ends", async () => {
    const invitation = path.join(work, "Bea.ccsinvite");
    ccs(path.join(netDir, "config.toml"), ["invite", "person", "-o", invitation, "--for", "Bea"]);
    await click("#nav-library");
    // The file named relative to where it was opened from.
    launchAgain(["Bea.ccsinvite"]);
    expect(await joinFormNames("the running app to show the invitation")).toBe("Bea.ccsinvite");
    await shot("10b-second-launch-invitation");
    await click("#settings-join summary");
  });

  it("opens a compose file with the app: the partner invite with it chosen; a file that is not one is refused in words", async () => {
    // compose.yml: the network file the previous step made.
    launchAgain(["compose.yml"]);
    await s.waitFor(
      "return document.querySelector('#invite-file-said [data-node-file]')?.dataset.nodeFile",
      [],
      10_000,
      "the partner invite with the opened file",
    );
    expect(await (await s.find("#invite-network-file")).text()).toBe(path.join(work, "compose.yml"));
    expect(await (await s.find("#invite-file-said")).text()).toBe("The compose file of the first node bootstrap.");
    expect(await s.execute("return document.activeElement?.id")).toBe("invite-partner");
    await shot("10c-open-with-compose-file");
    fs.writeFileSync(path.join(work, "mkdocs.yml"), "site_name: Parish registers\n");
    launchAgain(["mkdocs.yml"]);
    await s.waitFor(
      "return document.querySelector('#invite-file-said [data-node-file=refused]') !== null",
      [],
      10_000,
      "the refusal of a file that is not a compose file",
    );
    expect(await (await s.find("#invite-file-said")).text()).toContain(
      "This is not a community-cloud-storage node file",
    );
    await click("#nav-library");
  });

  it("stays readable at 1024 x 700", async () => {
    await s.setRect(1024, 700);
    await click("#nav-library");
    await s.find(`[data-cid='${cid}']`);
    await shot("11-library-1024x700");
    const overflow = await s.execute("return document.documentElement.scrollWidth > window.innerWidth");
    expect(overflow).toBe(false);
  });

  it("previews an add with files it cannot store: Cancel sends nothing, 'Store the other' stores the rest and lists what was left out", async () => {
    await s.setRect(1280, 800);
    const bad = path.join(work, "Box with pipes");
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, "letter.txt"), "Dear Sir, the parish registers are safe.\n");
    fs.writeFileSync(path.join(bad, "cover.png"), Buffer.from(ONE_PIXEL_PNG, "base64"));
    for (const n of ["pipe one", "pipe two"]) execFileSync("mkfifo", [path.join(bad, n)]);
    const jobsBefore = (await s.execute("return document.querySelectorAll('.job').length")) as number;
    await click("#nav-add");
    willPick(bad);
    await click("#add-pick-folder");
    const heading = (await s.waitFor(
      "return document.querySelector('#add-unstorable-heading')?.textContent",
      [],
      30_000,
      "the preview to list what cannot be stored",
    )) as string;
    expect(heading).toContain("2 files cannot be stored");
    const listed = (await s.execute(
      "return [...document.querySelectorAll('#add-unstorable li')].map(l => l.textContent)",
    )) as string[];
    expect(listed).toHaveLength(2);
    expect(listed.join()).toContain("pipe one");
    expect(listed.join()).toContain("pipe two");
    expect(await (await s.find("#add-preview-what")).text()).toMatch(/^2 files, \d+ B\.$/);
    // The first add measured this computer's speed: now there is an estimate.
    expect(await (await s.find("#add-preview-time")).text()).toContain("Sending takes about");
    expect(await (await s.find("#add-store-rest")).text()).toBe("Store the other 2 files");
    expect(await s.execute("return document.querySelector('#add-start').hidden")).toBe(true);
    expect(await accessibilityProblems()).toEqual([]);
    await shot("13-add-problems");
    await darkToo("add-problems");
    // Cancel: nothing chosen, nothing sent.
    await click("#add-cancel");
    expect(await s.execute("return document.querySelectorAll('#add-picked li').length")).toBe(0);
    expect(await s.execute("return document.querySelector('#add-preview').textContent")).toBe("");
    expect(await s.execute("return document.querySelectorAll('.job').length")).toBe(jobsBefore);
    // Again, and store the others.
    willPick(bad);
    await click("#add-pick-folder");
    await s.waitFor("return document.querySelector('#add-store-rest')", [], 30_000, "the choice to store the rest");
    await type("#add-title", "Box with pipes");
    await click("#add-store-rest");
    await click("#nav-library");
    const boxCid = (await s.waitFor(
      "document.querySelector('#library-refresh')?.click(); const r = [...document.querySelectorAll('[data-cid]')].find((r) => r.textContent.includes('Box with pipes')); return r && r.dataset.cid",
      [],
      60_000,
      "the stored rest in the library",
    )) as string;
    await click(`[data-cid='${boxCid}']`);
    const counted = await openContents();
    expect(counted).toMatch(
      /^2 files, \d+ B\. 2 files were left out when it was added, because they could not be read\.$/,
    );
    await click("#detail-left-out summary");
    const leftOut = (await s.execute(
      "return [...document.querySelectorAll('#detail-left-out li')].map(l => l.textContent)",
    )) as string[];
    expect(leftOut.join()).toContain("pipe one");
    expect(leftOut.join()).toContain("pipe two");
    // Text and images are previewed in the app.
    await click(".contents-row[data-path='letter.txt'] [data-action='preview']");
    const text = (await s.waitFor(
      "return document.querySelector('#preview-text')?.textContent",
      [],
      30_000,
      "the text preview",
    )) as string;
    expect(text).toBe("Dear Sir, the parish registers are safe.\n");
    expect(await accessibilityProblems()).toEqual([]);
    await shot("13b-preview");
    await darkToo("preview");
    await (await s.find("#preview-text")).keys("\uE00C"); // Esc
    await s.waitFor("return !document.querySelector('#preview-dialog')", [], 5000, "Esc to close the preview");
    await click(".contents-row[data-path='cover.png'] [data-action='preview']");
    const width = await s.waitFor(
      "const i = document.querySelector('#preview-image'); return i && i.complete && i.naturalWidth",
      [],
      30_000,
      "the image preview",
    );
    expect(width).toBe(1);
    await click("#preview-close");
    // One file saved from the list, byte-identical.
    const letter = path.join(work, "letter back.txt");
    willPick(letter);
    await click(".contents-row[data-path='letter.txt'] [data-action='save']");
    await waitForFile(letter);
    expect(fs.readFileSync(letter, "utf8")).toBe("Dear Sir, the parish registers are safe.\n");
    await click("#detail button[aria-label='Close the detail']");
  });

  it("adds a folder and saves it back with the keyboard alone", async () => {
    const [TAB, SHIFT_TAB, ENTER, DOWN, HOME] = ["\uE004", "\uE008\uE004\uE000", "\uE007", "\uE015", "\uE011"];
    const box = path.join(work, "Keyboard box");
    fs.mkdirSync(box);
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(box, `page ${i}.txt`), `page ${i}\n`.repeat(100 + i));
    const focused = () =>
      s.execute("const a = document.activeElement; return a?.id || a?.dataset?.cid || a?.tagName || null") as Promise<
        string | null
      >;
    /** Presses Tab (or Shift+Tab) until the focus is on `css`; no mouse anywhere in this test. */
    const tabTo = async (css: string, back = false) => {
      for (let i = 0; i < 80; i++) {
        if (await s.execute("return document.activeElement?.matches(arguments[0]) ?? false", [css])) return;
        await s.press(back ? SHIFT_TAB : TAB);
      }
      throw new Error(`the keyboard never reached ${css}; the focus is on ${await focused()}`);
    };
    await tabTo("#nav-add", true);
    await s.press(ENTER);
    // The places stay where they are: the focus is still on the one chosen.
    expect(await focused()).toBe("nav-add");
    willPick(box);
    await tabTo("#add-pick-folder");
    await s.press(ENTER);
    await s.waitFor(
      "return document.querySelector('#add-preview-what')?.textContent.startsWith('3 files')",
      [],
      30_000,
      "the preview",
    );
    await tabTo("#add-title");
    await s.press("Keyboard box");
    await tabTo("#add-start");
    await s.press(ENTER);
    await s.waitFor(
      "return document.querySelector('#jobs-announce')?.textContent.includes('Added Keyboard box')",
      [],
      60_000,
      "the add to finish",
    );
    // The library: Tab reaches its grid's one row, the arrow keys the item, Enter opens it.
    await tabTo("#nav-library", true);
    await s.press(ENTER);
    const boxCid = (await s.waitFor(
      "const r = [...document.querySelectorAll('[data-cid]')].find((r) => r.textContent.includes('Keyboard box')); return r && r.dataset.cid",
      [],
      60_000,
      "the item in the library",
    )) as string;
    await tabTo(".lib-rows [data-cid]");
    await s.press(HOME);
    for (let i = 0; i < 10 && (await focused()) !== boxCid; i++) await s.press(DOWN);
    expect(await focused()).toBe(boxCid);
    await s.press(ENTER);
    await s.waitFor("return document.querySelector('#detail-save')", [], 10_000, "the detail");
    const back = path.join(work, "Keyboard box back");
    willPick(back);
    await tabTo("#detail-save");
    await s.press(ENTER);
    await waitForFile(back);
    expect(treeDigest(back)).toBe(treeDigest(box));
    await s.press("\uE00C"); // Esc closes the detail
  });

  it("shows an add interrupted in an earlier run and starts it again", async () => {
    const again = path.join(work, "Minutes 1950");
    makeFolder(again, 5);
    // What the journal holds after the app was killed during that add: a running job whose process is gone.
    const dead = spawn("true");
    await new Promise((r) => dead.on("exit", r));
    fs.mkdirSync(journalDir, { recursive: true });
    fs.writeFileSync(
      path.join(journalDir, "add-earlier.json"),
      JSON.stringify({
        id: "add-earlier",
        kind: "add",
        client: "ccs-app/0.1.0",
        inputs: {
          paths: [again],
          title: "Council minutes 1950",
          collection: "Council",
          description: "",
          cid: "",
          destination: "",
        },
        pid: dead.pid,
        started_at: new Date(Date.now() - 3_600_000).toISOString(),
        state: "running",
      }),
    );
    // A new start of the page reads the journal.
    await s.execute("setTimeout(() => location.reload(), 50); return true");
    await sleep(1000);
    await s.find(".job[data-job='add-earlier'][data-state='interrupted']", 30_000);
    await s.find("#library-search");
    await shot("14-interrupted-job");
    await click(".job[data-job='add-earlier'] .start-again");
    await s.waitFor(
      "const j = [...document.querySelectorAll('.job')].find(j => j.textContent.includes('Council minutes 1950') && j.dataset.job !== 'add-earlier'); return j && j.dataset.state === 'done'",
      [],
      120_000,
      "the add started again to finish",
    );
    expect(await s.execute("return !document.querySelector(\"[data-job='add-earlier']\")")).toBe(true);
  });

  it("an add running when the app is killed shows as interrupted on the next start, never as stored", async () => {
    const big = path.join(work, "Oral history tapes.wav");
    const fd = fs.openSync(big, "w");
    for (let i = 0; i < 48; i++) fs.writeSync(fd, randomBytes(8 << 20));
    fs.closeSync(fd);
    await click("#nav-add");
    willPick(big);
    await click("#add-pick-files");
    await s.waitFor("return document.querySelector('#add-picked')?.textContent.includes(arguments[0])", [big]);
    await type("#add-title", "Oral history tapes");
    await click("#add-start");
    await s.waitFor(
      "const j = [...document.querySelectorAll('.job')].find(j => j.textContent.includes('Oral history tapes')); return j && j.dataset.state === 'running' && Number(j.dataset.percent) > 0",
      [],
      60_000,
      "the upload to be under way",
    );
    // SIGKILL: no handler runs, exactly as when the computer loses power.
    const base = path.basename(appBin);
    const pids = fs.readdirSync("/proc").filter((d) => {
      try {
        return /^\d+$/.test(d) && path.basename(fs.readlinkSync(`/proc/${d}/exe`)) === base;
      } catch {
        return false;
      }
    });
    expect(pids.length).toBe(1);
    process.kill(Number(pids[0]), "SIGKILL");
    await s.end();
    await sleep(1000);
    s = await Session.start(`http://127.0.0.1:${port}`, appBin);
    const job = await s.find(".job[data-state='interrupted']", 30_000);
    expect(await job.text()).toContain("Oral history tapes");
    expect(
      await s.execute(
        "return [...document.querySelectorAll('.job')].some(j => j.textContent.includes('Oral history tapes') && j.dataset.state === 'done')",
      ),
    ).toBe(false);
    await shot("15-killed-during-upload");
    fs.rmSync(big);
  });

  it("withdraws the item after a confirmation naming it, lists it as withdrawn, and keeps it", async () => {
    await click(`[data-cid='${cid}']`);
    // The library is a grid for the keyboard: one row in the Tab order, the
    // arrow keys between rows, Enter opens, Esc closes.
    await s.execute("document.querySelector('.lib-row[tabindex=\"0\"]').focus()");
    const rowsInTabOrder = await s.execute("return document.querySelectorAll('.lib-row[tabindex=\"0\"]').length");
    expect(rowsInTabOrder).toBe(1);
    const focused = (await s.execute("return document.activeElement.dataset.cid")) as string;
    await (await s.find(`[data-cid='${focused}']`)).keys("\uE011"); // Home
    const first = (await s.execute("return document.activeElement.dataset.cid")) as string;
    await (await s.find(`[data-cid='${first}']`)).keys("\uE015"); // ArrowDown
    const second = (await s.execute("return document.activeElement.dataset.cid")) as string;
    expect(second).not.toBe(first);
    expect(second).toMatch(/^(Qm|bafy)/);
    await (await s.find(`[data-cid='${second}']`)).keys("\uE013"); // ArrowUp
    expect(await s.execute("return document.activeElement.dataset.cid")).toBe(first);
    await (await s.find(`[data-cid='${cid}']`)).keys("\uE007"); // Enter
    await s.find("#detail-save");
    await clickInMore("#detail-remove");
    const dialog = await s.find("dialog.confirm");
    const text = await dialog.text();
    expect(text).toContain("Parish scans 1890");
    // Named by its title and size, never by its content ID.
    expect(text).not.toContain(cid);
    expect(text).toContain("5.8 MB in 200 files");
    // Nobody set rules: the default grace period of 30 days.
    expect(text).toContain("stays stored on all 3 partners for 30 days");
    await shot("12-remove-confirm");
    await click("#confirm-ok");
    const notice = await s.find("#detail-withdrawal");
    expect(await notice.text()).toMatch(
      /Withdrawn by .+ just now\. It stays stored on every partner until it is removed on /,
    );
    // Listed under Withdrawn, still stored.
    await click("#filter-withdrawn");
    await s.waitFor(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a script for the page, whose template fills in arguments[0] there
      "return !!document.querySelector(`[data-cid='${arguments[0]}'] [data-withdrawn='yes']`)",
      [cid],
      30_000,
      "the item to be listed as withdrawn",
    );
    await shot("withdrawn");
    // Keep it: the withdrawal is undone, and the Withdrawn list is empty.
    await click("#detail-keep");
    await s.waitFor(
      "return !document.querySelector('#detail-withdrawal') && !document.querySelector('.lib-rows [data-withdrawn]')",
      [],
      30_000,
      "the withdrawal to be undone",
    );
    await click("#filter-all");
  });

  it("shows the network's risk at a glance, red when an item has a single copy", async () => {
    // Calm first: every item has its copies.
    await click("#nav-library");
    const calm = await s.find("#risk-summary [data-risk]");
    expect(await calm.attr("data-risk")).not.toBe("bad");
    // An item kept by one partner only (pinned through the cluster's API, as
    // another member's tool might): the summary turns red and says what to do.
    const p = peers[0];
    const inline = "bafkqaaa"; // the empty identity CID: no block to fetch
    const auth = `Basic ${Buffer.from(`${p.username}:${p.password}`).toString("base64")}`;
    const pinned = await fetch(
      new URL(`/pins/${inline}?name=One+copy+only&replication-min=1&replication-max=1`, p.cluster_api),
      { method: "POST", headers: { authorization: auth } },
    );
    expect(pinned.ok).toBe(true);
    await s.waitFor(
      "if (document.querySelector('#risk-summary [data-risk=bad]')) return true; if (Date.now() - (window.lastNav ?? 0) > 3000) { window.lastNav = Date.now(); document.querySelector('#nav-partners')?.click(); document.querySelector('#nav-library')?.click(); } return false;",
      [],
      60_000,
      "the risk summary to turn red",
    );
    const red = await (await s.find("#risk-summary")).text();
    expect(red).toContain("1 item is at risk: fewer copies than the network's minimum");
    expect(red).toContain("Repair it from the item's detail, or tell the person who runs the network.");
    expect(red).toMatch(/Copies counted just now/);
    await shot("risk-red");
  });

  it("watches a folder: each box that arrives is stored by itself, and the command line sees the same folder", async () => {
    const scans = path.join(work, "Scanning station");
    makeFolder(path.join(scans, "Box 7"), 3);
    await click("#nav-watched");
    await s.find("#watch-add");
    willPick(scans);
    await click("#watch-add");
    await s.find("#watch-start");
    await type("#watch-collection", "Parish");
    await s.execute(
      "const c = document.querySelector('#watch-settle'); c.value = '10'; c.dispatchEvent(new Event('change'))",
    );
    // The collection's suggestions closed, so the form shows whole.
    await s.execute("document.activeElement.blur()");
    await shot("watch-a-folder");
    await click("#watch-start");
    const stored = (box: string) =>
      s.waitFor(
        "return [...document.querySelectorAll('.watched-activity li')].some((l) => l.textContent === arguments[0] + ': stored ✓')",
        [box],
        120_000,
        `${box} stored`,
      );
    await stored("Box 7");
    // A box that arrives while the folder is watched (what is said to a
    // screen reader is kept: a later announcement may replace it).
    await s.execute(
      "window.announced = []; const live = document.querySelector('#jobs-announce'); new MutationObserver(() => window.announced.push(live.textContent)).observe(live, { childList: true, characterData: true, subtree: true })",
    );
    makeFolder(path.join(scans, "Box 8"), 2);
    await stored("Box 8");
    await s.waitFor(
      "return document.querySelector('#watched-list')?.textContent.includes('2 stored so far')",
      [],
      30_000,
      "the count of what was stored",
    );
    expect(await s.execute("return window.announced")).toContain(
      "Stored Box 8 from the watched folder Scanning station",
    );
    const page = await (await s.find("#main")).text();
    expect(page).not.toMatch(/bafy|Qm[1-9A-Za-z]{20}/);
    await shot("watched-folders");
    await darkToo("watched-folders");
    // The command line's watcher is the same: it lists this folder, with what the app stored.
    const listed = JSON.parse(
      execFileSync(ccsBin, ["--config", path.join(work, "config.toml"), "--json", "watch", "list"], {
        env: { ...cliEnv(), CCS_JOURNAL_DIR: journalDir },
        encoding: "utf8",
      }),
    );
    expect(listed).toHaveLength(1);
    expect(listed[0].folder.path).toBe(fs.realpathSync(scans));
    expect(listed[0].folder.collection).toBe("Parish");
    expect(listed[0].stored).toBe(2);
    // Paused from the page: the command line sees it paused.
    await click(".watched-folder [data-keep^='pause:']");
    await s.waitFor(
      "return document.querySelector('#watched-list')?.textContent.includes('Paused')",
      [],
      10_000,
      "paused",
    );
    const again = JSON.parse(
      execFileSync(ccsBin, ["--config", path.join(work, "config.toml"), "--json", "watch", "list"], {
        env: { ...cliEnv(), CCS_JOURNAL_DIR: journalDir },
        encoding: "utf8",
      }),
    );
    expect(again[0].folder.paused).toBe(true);
  });

  it("tells of finished adds and problems in notifications, starts at login when asked, and stays in the tray when closed while a folder is watched", async () => {
    // Each add from the window was told (every add counts as long here).
    expect(notified()).toContain("Stored “Parish scans 1890”");
    // A problem: a box holding something that is not a file cannot be stored.
    await click("#nav-watched");
    await click(".watched-folder [data-keep^='pause:']");
    await s.waitFor(
      "return !document.querySelector('#watched-list')?.textContent.includes('Paused')",
      [],
      10_000,
      "resumed",
    );
    const scans = path.join(work, "Scanning station");
    makeFolder(path.join(scans, "Box 9"), 1);
    execFileSync("mkfifo", [path.join(scans, "Box 9", "scanner-link")]);
    await waitNotified("“Box 9” from Scanning station was not stored", 90_000);
    // Nothing else was said about it.
    expect(notified().filter((t) => t.includes("Box 9"))).toHaveLength(1);

    // Start at login: off until asked; on writes the desktop's autostart entry, off removes it.
    await click("#nav-settings");
    // The jobs panel folded, so that it covers nothing.
    if ((await s.execute("return document.querySelector('#jobs-toggle')?.getAttribute('aria-expanded')")) === "true") {
      await click("#jobs-toggle");
    }
    await s.find("#start-at-login");
    expect(await s.execute("return document.querySelector('#start-at-login').checked")).toBe(false);
    // (~/.config/autostart on Linux, whatever XDG_CONFIG_HOME says: the plugin's choice.)
    const autostart = path.join(work, "home", ".config", "autostart");
    const entries = () => (fs.existsSync(autostart) ? fs.readdirSync(autostart) : []);
    expect(entries()).toEqual([]);
    await click("#start-at-login");
    const kept = await s.waitFor(
      "return document.querySelector('#settings-desktop-status')?.textContent",
      [],
      10_000,
      "the choice kept",
    );
    expect(kept).toBe("Saved.");
    expect(entries()).toHaveLength(1);
    const entry = fs.readFileSync(path.join(autostart, entries()[0]), "utf8");
    expect(entry).toContain(appBin);
    expect(entry).toContain("--started-at-login");
    await shot("settings-notifications");
    await click("#start-at-login");
    await s.waitFor("return document.querySelector('#start-at-login')?.checked === false", [], 10_000, "turned off");
    await sleep(500);
    expect(entries()).toEqual([]);

    // Closed while a folder is watched: the window goes, the app stays (said once).
    const pid = appPid();
    execFileSync("python3", [path.join(__dirname, "close-window.py"), "Community Cloud Storage"], { env: appEnv() });
    await waitNotified("Community Cloud Storage is still running");
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    // Launched again: the same app shows its window again.
    launchAgain([]);
    expect(appPid()).toBe(pid);
    await click("#nav-library");
    // Closed again: still in the tray, and not said twice.
    execFileSync("python3", [path.join(__dirname, "close-window.py"), "Community Cloud Storage"], { env: appEnv() });
    await sleep(2000);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    expect(notified().filter((t) => t === "Community Cloud Storage is still running")).toHaveLength(1);
    launchAgain([]);
    await click("#nav-library");
  });

  it("opens a join link from outside: a changed one is refused in words, a good one waits in the join form for the passphrase", async () => {
    const out = ccs(path.join(netDir, "config.toml"), [
      "invite",
      "person",
      "-o",
      path.join(work, "Eve.ccsinvite"),
      "--for",
      "Eve",
      "--link",
    ]);
    const link = out.split("\n").find((l) => l.startsWith("ccs://join?invitation=")) ?? "";
    expect(link, out).not.toBe("");
    const settings = path.join(work, "config.toml");
    const before = fs.readFileSync(settings, "utf8");
    // As a browser hands a clicked link to the desktop's handler for ccs:.
    launchAgain([`${link}&node=http://elsewhere:9094`]);
    const dialog = await s.find("dialog.confirm");
    expect(await dialog.text()).toContain("This link is not an invitation");
    await waitNotified("This link could not be opened");
    await shot("link-refused");
    await click("#confirm-ok");
    launchAgain([link]);
    expect(await joinFormNames("the join form with the link")).toBe("The invitation link you opened");
    expect(await (await s.find("#main")).text()).not.toContain("invitation=");
    await shot("link-join");
    // Nothing was written or connected: that waits for the passphrase and Join.
    expect(fs.readFileSync(settings, "utf8")).toBe(before);
    await click("#settings-join summary");
  });

  it("offers a newer release with its notes, and refuses to install one not signed by the app's publishers", async () => {
    await click("#nav-settings");
    expect(await (await s.find("#settings-updates")).text()).toContain("This is version 0.1.0");
    await click("#update-check");
    await s.waitFor("return document.querySelector('[data-update]')?.dataset.update", [], 15_000, "the update check");
    const offered = await (await s.find("#update-status")).text();
    expect(offered).toContain("Version 99.0.0 is available");
    expect(offered).toContain("You have version 0.1.0");
    await click("#update-status details summary");
    expect(await (await s.find("#update-status .notes")).text()).toBe("Checks of the copies run faster.");
    await shot("settings-update-offered");
    await click("#update-install");
    await s.waitFor(
      "return document.querySelector('#update-status .notice.bad') !== null",
      [],
      15_000,
      "the refusal of an update signed with another key",
    );
    expect(await (await s.find("#update-status .notice.bad")).text()).toContain(
      "The downloaded update is not signed by the app's publishers, so it was not installed.",
    );
    await shot("settings-update-refused");
    // Nothing was installed: the same app still answers.
    expect(await s.execute("return document.querySelector('#settings-updates') !== null")).toBe(true);
  });
});
