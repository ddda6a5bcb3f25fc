//! The app on the desktop beyond its window: the tray icon (its state and
//! menu), notifications, closing to the tray while work goes on, starting at
//! login, and the person's choices about them (`desktop.json`, beside the
//! settings).
//!
//! Commands and the app's background loops only *tell* what happened (a
//! [`Notice`], through [`crate::AppState::tell`]); one loop here decides what
//! the tray shows and which notices become notifications ([`words`]), so the
//! rules live in one place and are tested without a desktop.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tauri::{Manager, Runtime};

use crate::AppState;

/// The person's choices about the app on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct DesktopPreferences {
    /// A notification when a long add finishes (or any add, while the
    /// window is not in front).
    pub notify_added: bool,
    /// A notification when an add, a watched folder or a scheduled check of
    /// the copies finds a problem.
    pub notify_problems: bool,
    /// A notification when a partner has been unreachable for
    /// `unreachable_minutes`.
    pub notify_unreachable: bool,
    #[ts(type = "number")]
    pub unreachable_minutes: u64,
    /// Start the app (in the tray) when the person logs in.
    pub start_at_login: bool,
    /// The person was told, once, that closing the window keeps the app
    /// running in the tray.
    pub told_about_tray: bool,
}

impl Default for DesktopPreferences {
    fn default() -> Self {
        Self {
            notify_added: true,
            notify_problems: true,
            notify_unreachable: true,
            unreachable_minutes: 60,
            start_at_login: false,
            told_about_tray: false,
        }
    }
}

/// The shortest wait before a partner is said to be unreachable.
pub const UNREACHABLE_MINUTES_MIN: u64 = 5;

/// Where the preferences are kept: beside the settings file.
pub fn preferences_path(config_path: &Path) -> PathBuf {
    config_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("desktop.json")
}

/// The preferences kept at `path`; the defaults when there are none or the
/// file cannot be understood (it is written whole again on the next change).
pub fn load_preferences(path: &Path) -> DesktopPreferences {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Writes the preferences whole: to a temporary file first, then renamed
/// over the old one, so a crash never leaves half a file.
pub fn save_preferences(path: &Path, preferences: &DesktopPreferences) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let json = serde_json::to_vec_pretty(preferences).map_err(std::io::Error::other)?;
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, json)?;
    std::fs::rename(&partial, path)
}

/// Something that happened, for the tray and the notifications.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// An add started from the window ended.
    AddEnded {
        title: String,
        took: Duration,
        outcome: AddEnd,
    },
    /// The watcher started (`true`) or ended (`false`) storing an entry.
    WatcherStoring(bool),
    /// An entry of a watched folder could not be stored.
    WatchFailed {
        entry: String,
        folder: String,
        message: String,
    },
    /// A scheduled check found a partner's copy missing or damaged.
    CopyDamaged { item: String, partner: String },
    /// The person is looking at the window: what needed attention was seen.
    Seen,
    /// The window was closed and the app goes on in the tray.
    KeptInTray,
    /// The list of watched folders changed (from the tray's menu or the
    /// page): the menu's Pause / Resume follows.
    WatchedChanged,
    /// A `ccs:` link given to the app was refused (why).
    LinkRefused(String),
}

/// How an add ended.
#[derive(Debug, Clone, PartialEq)]
pub enum AddEnd {
    Stored { files: u64 },
    Failed { message: String },
    Cancelled,
}

/// A notification's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub title: String,
    pub body: String,
}

fn said(title: String, body: impl Into<String>) -> Option<Words> {
    Some(Words {
        title,
        body: body.into(),
    })
}

/// An add that took at least this long is announced even with the window in front.
pub const LONG_ADD: Duration = Duration::from_secs(30);

/// The notification a notice gives, if any: `in_front` is whether the
/// person has the window in front of them, `long_add` what counts as a long
/// add ([`LONG_ADD`]).
pub fn words(
    notice: &Notice,
    preferences: &DesktopPreferences,
    in_front: bool,
    long_add: Duration,
) -> Option<Words> {
    match notice {
        Notice::AddEnded {
            title,
            took,
            outcome,
        } => match outcome {
            AddEnd::Stored { files } => {
                if !preferences.notify_added || (in_front && *took < long_add) {
                    return None;
                }
                let files = match files {
                    1 => "1 file".to_string(),
                    n => format!("{n} files"),
                };
                said(
                    format!("Stored “{title}”"),
                    format!("{files}, now kept by the network."),
                )
            }
            AddEnd::Failed { message } if preferences.notify_problems => {
                said(format!("“{title}” was not stored"), message.as_str())
            }
            _ => None,
        },
        Notice::WatchFailed {
            entry,
            folder,
            message,
        } if preferences.notify_problems => said(
            format!("“{entry}” from {folder} was not stored"),
            format!("{message} It is tried again in a few minutes."),
        ),
        Notice::CopyDamaged { item, partner } if preferences.notify_problems => said(
            "A copy needs repair".to_string(),
            format!(
                "{partner}'s copy of “{item}” failed its check. Open the item in the app to repair it."
            ),
        ),
        Notice::LinkRefused(why) => said("This link could not be opened".to_string(), why.as_str()),
        Notice::KeptInTray => said(
            "Community Cloud Storage is still running".to_string(),
            "It goes on storing and watching folders with its window closed. Open it, or quit it, from its icon in the tray.",
        ),
        _ => None,
    }
}

/// Which partners have been unreachable for long enough to say so, once
/// per absence.
#[derive(Debug, Default)]
pub struct UnreachableWatch {
    since: HashMap<String, Instant>,
    told: HashSet<String>,
}

impl UnreachableWatch {
    /// Takes the partners unreachable `now`; returns those to tell about
    /// now, with how long they have been away. A partner back is forgotten,
    /// so its next absence is told again.
    pub fn observe(
        &mut self,
        now: Instant,
        unreachable: &[String],
        after: Duration,
    ) -> Vec<(String, Duration)> {
        self.since.retain(|p, _| unreachable.contains(p));
        self.told.retain(|p| unreachable.contains(p));
        let mut tell = Vec::new();
        for p in unreachable {
            let since = *self.since.entry(p.clone()).or_insert(now);
            let away = now.saturating_duration_since(since);
            if away >= after && self.told.insert(p.clone()) {
                tell.push((p.clone(), away));
            }
        }
        tell
    }
}

/// The words for a partner unreachable for `away`.
pub fn unreachable_words(partner: &str, away: Duration) -> Words {
    let minutes = away.as_secs() / 60;
    let away = if minutes >= 120 {
        format!("{} hours", minutes / 60)
    } else {
        format!("{minutes} minutes")
    };
    Words {
        title: format!("{partner} cannot be reached"),
        body: format!(
            "It has not answered for {away}. Its copies cannot be checked until it is back; if it stays away, tell the person who runs the network."
        ),
    }
}

/// What the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    AllWell,
    Working,
    NeedsAttention,
}

impl Presence {
    pub fn of(working: bool, attention: bool) -> Self {
        if attention {
            Self::NeedsAttention
        } else if working {
            Self::Working
        } else {
            Self::AllWell
        }
    }

    /// The tray's words (its tooltip, and the first line of its menu).
    pub fn words(self) -> &'static str {
        match self {
            Self::AllWell => "Community Cloud Storage: all is well",
            Self::Working => "Community Cloud Storage: storing…",
            Self::NeedsAttention => "Community Cloud Storage: something needs your attention",
        }
    }

    /// The colour of the dot on the icon (none when all is well).
    fn dot(self) -> Option<[u8; 3]> {
        match self {
            Self::AllWell => None,
            Self::Working => Some([0x2f, 0x6f, 0xb0]),
            Self::NeedsAttention => Some([0xd9, 0x5b, 0x1b]),
        }
    }
}

/// The app's icon with a dot in its lower right corner (RGBA, `size` square).
pub fn badged(rgba: &[u8], size: u32, dot: Option<[u8; 3]>) -> Vec<u8> {
    let mut out = rgba.to_vec();
    let Some([r, g, b]) = dot else { return out };
    let radius = size as f32 * 0.22;
    let (cx, cy) = (size as f32 - radius - 0.5, size as f32 - radius - 0.5);
    for y in 0..size {
        for x in 0..size {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
            let i = ((y * size + x) * 4) as usize;
            if d <= radius {
                out[i..i + 4].copy_from_slice(&[r, g, b, 255]);
            } else if d <= radius + 1.5 {
                // A light ring, so the dot stands out on a dark or light bar.
                out[i..i + 4].copy_from_slice(&[255, 255, 255, 255]);
            }
        }
    }
    out
}

/// Whether the person has the main window in front of them.
fn window_in_front<R: Runtime>(app: &tauri::AppHandle<R>) -> bool {
    app.get_webview_window("main").is_some_and(|w| {
        w.is_visible().unwrap_or(false)
            && !w.is_minimized().unwrap_or(false)
            && w.is_focused().unwrap_or(false)
    })
}

/// Shows the main window and brings it forward.
pub fn show_window<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// What an add that took this long counts as long: [`LONG_ADD`], or for the
/// end-to-end test `CCS_TEST_LONG_ADD_SECONDS` (its adds take a second).
fn long_add() -> Duration {
    std::env::var("CCS_TEST_LONG_ADD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(LONG_ADD, Duration::from_secs)
}

/// The event the page is sent when the list of watched folders changed
/// outside it (paused or resumed from the tray).
pub const WATCHED_CHANGED_EVENT: &str = "watched-changed";

/// How often the partners are asked whether they answer.
const PARTNERS_LOOK_EVERY: Duration = Duration::from_secs(5 * 60);
/// The first look at the partners, after the app starts.
const PARTNERS_FIRST_LOOK: Duration = Duration::from_secs(60);

struct TrayParts<R: Runtime> {
    icon: tauri::tray::TrayIcon<R>,
    status: tauri::menu::MenuItem<R>,
    pause: tauri::menu::MenuItem<R>,
    base: (Vec<u8>, u32),
}

/// Whether every watched folder is paused (`None`: none is watched).
fn all_paused(state: &AppState) -> Option<bool> {
    let session = state.core_session().ok()?;
    let folders = ccs_core::ops::watch::list(&session).ok()?;
    (!folders.is_empty()).then(|| folders.iter().all(|f| f.folder.paused))
}

fn build_tray<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<TrayParts<R>> {
    use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
    use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
    let base = tauri::image::Image::from_bytes(include_bytes!("../icons/32x32.png"))?;
    let base = (base.rgba().to_vec(), base.width());
    let status = MenuItem::with_id(
        app,
        "status",
        Presence::AllWell.words(),
        false,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(
        app,
        "open",
        "Open Community Cloud Storage",
        true,
        None::<&str>,
    )?;
    let pause = MenuItem::with_id(app, "pause", "Pause watched folders", false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &pause,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let icon = TrayIconBuilder::with_id("main")
        .icon(tauri::image::Image::new_owned(
            base.0.clone(),
            base.1,
            base.1,
        ))
        .tooltip(Presence::AllWell.words())
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "pause" => {
                let state = app.state::<AppState>();
                if let (Some(paused), Ok(session)) = (all_paused(&state), state.core_session()) {
                    if ccs_core::ops::watch::set_paused(&session, None, !paused).is_ok() {
                        use tauri::Emitter;
                        state.tell(Notice::WatchedChanged);
                        let _ = app.emit(WATCHED_CHANGED_EVENT, ());
                    }
                }
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_window(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(TrayParts {
        icon,
        status,
        pause,
        base,
    })
}

impl<R: Runtime> TrayParts<R> {
    fn show(&self, presence: Presence) {
        let (rgba, size) = &self.base;
        let image =
            tauri::image::Image::new_owned(badged(rgba, *size, presence.dot()), *size, *size);
        let _ = self.icon.set_icon(Some(image));
        let _ = self.icon.set_tooltip(Some(presence.words()));
        let _ = self.status.set_text(presence.words());
    }

    fn show_watched(&self, paused: Option<bool>) {
        let _ = self.pause.set_enabled(paused.is_some());
        let _ = self.pause.set_text(if paused == Some(true) {
            "Resume watched folders"
        } else {
            "Pause watched folders"
        });
    }
}

/// Shows a notification; a desktop without a notification service shows
/// none, and nothing else changes.
fn notify<R: Runtime>(app: &tauri::AppHandle<R>, words: &Words) {
    use tauri_plugin_notification::NotificationExt;
    let _ = app
        .notification()
        .builder()
        .title(&words.title)
        .body(&words.body)
        .show();
}

/// Starts the tray (when this desktop has one) and the loop that turns
/// notices into the tray's state and notifications, for as long as the app
/// runs.
/// The plugin writes the program's path unquoted into the Run key; Windows
/// then tries each prefix before a space first (`C:\Users\Ann.exe`, …), so
/// another program could start in the app's place. Quoted, only the app can.
#[cfg(windows)]
fn quote_run_entry(name: &str) -> std::io::Result<()> {
    use winreg::enums::{HKEY_CURRENT_USER, KEY_SET_VALUE};
    let run = winreg::RegKey::predef(HKEY_CURRENT_USER).open_subkey_with_flags(
        r"Software\Microsoft\Windows\CurrentVersion\Run",
        KEY_SET_VALUE,
    )?;
    let exe = std::env::current_exe()?;
    run.set_value(
        name,
        &format!("\"{}\" {}", exe.display(), crate::STARTED_AT_LOGIN),
    )
}

pub fn start<R: Runtime>(app: &tauri::AppHandle<R>) {
    let state = app.state::<AppState>();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    state.listen(tx);
    let tray = match build_tray(app) {
        Ok(t) => Some(t),
        Err(e) => {
            eprintln!("No tray icon on this desktop ({e}); closing the window quits the app.");
            None
        }
    };
    state.set_has_tray(tray.is_some());
    let launcher = app.clone();
    state.set_start_at_login(Box::new(move |on| {
        use tauri_plugin_autostart::ManagerExt;
        // On Linux the plugin writes ~/.config/autostart/ but creates only
        // its last folder: a user who never had ~/.config gets it here.
        #[cfg(target_os = "linux")]
        if on {
            if let Ok(home) = launcher.path().home_dir() {
                std::fs::create_dir_all(home.join(".config").join("autostart"))
                    .map_err(|e| e.to_string())?;
            }
        }
        // macOS runs an app opened from its disk image or from Downloads from
        // a temporary copy: a login item would point at nothing tomorrow.
        #[cfg(target_os = "macos")]
        if on {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            if exe.starts_with("/Volumes") || exe.to_string_lossy().contains("/AppTranslocation/") {
                return Err("the app is running from its disk image or the Downloads folder: move it to Applications and open it from there first".into());
            }
        }
        let l = launcher.autolaunch();
        if on { l.enable() } else { l.disable() }.map_err(|e| e.to_string())?;
        #[cfg(windows)]
        if on {
            quote_run_entry(&launcher.package_info().name).map_err(|e| e.to_string())?;
        }
        Ok(())
    }));
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let mut busy = state.busy();
        let mut storing = false;
        let mut attention = false;
        let mut presence = None;
        let mut unreachable = UnreachableWatch::default();
        let mut next_partners_look = tokio::time::Instant::now() + PARTNERS_FIRST_LOOK;
        if let Some(t) = &tray {
            t.show_watched(all_paused(&state));
        }
        loop {
            tokio::select! {
                notice = rx.recv() => {
                    let Some(notice) = notice else { return };
                    let preferences = load_preferences(&state.preferences_path());
                    match &notice {
                        Notice::WatcherStoring(on) => storing = *on,
                        Notice::Seen => attention = false,
                        Notice::WatchedChanged => {
                            if let Some(t) = &tray {
                                t.show_watched(all_paused(&state));
                            }
                        }
                        Notice::AddEnded { outcome: AddEnd::Failed { .. }, .. }
                        | Notice::WatchFailed { .. }
                        | Notice::CopyDamaged { .. } => attention = !window_in_front(&app),
                        _ => {}
                    }
                    if let Some(w) = words(&notice, &preferences, window_in_front(&app), long_add()) {
                        notify(&app, &w);
                    }
                }
                _ = busy.changed() => {}
                _ = tokio::time::sleep_until(next_partners_look) => {
                    next_partners_look = tokio::time::Instant::now() + PARTNERS_LOOK_EVERY;
                    let preferences = load_preferences(&state.preferences_path());
                    let Ok(session) = state.core_session() else { continue };
                    let Ok(away) = ccs_core::ops::partners::unreachable(&session).await else { continue };
                    let after = Duration::from_secs(60 * preferences.unreachable_minutes.max(UNREACHABLE_MINUTES_MIN));
                    for (partner, away) in unreachable.observe(Instant::now(), &away, after) {
                        attention = true;
                        if preferences.notify_unreachable {
                            notify(&app, &unreachable_words(&partner, away));
                        }
                    }
                }
            }
            let now = Presence::of(storing || *busy.borrow(), attention);
            if presence != Some(now) {
                presence = Some(now);
                if let Some(t) = &tray {
                    t.show(now);
                }
            }
        }
    });
}

/// The window's close button (the page asks, as it asks before closing
/// during a job): with a tray, while jobs run or folders are watched, the
/// window hides and the app goes on (said once) and this is `true`;
/// otherwise `false`, and the window closes as usual.
pub fn keep_in_tray<R: Runtime>(app: &tauri::AppHandle<R>) -> bool {
    let state = app.state::<AppState>();
    if !state.has_tray() {
        return false;
    }
    let watching = all_paused(&state) == Some(false);
    if !(state.jobs_running() > 0 || watching) {
        return false;
    }
    let Some(window) = app.get_webview_window("main") else {
        return false;
    };
    if window.hide().is_err() {
        return false;
    }
    let path = state.preferences_path();
    let mut preferences = load_preferences(&path);
    if !preferences.told_about_tray {
        preferences.told_about_tray = true;
        let _ = save_preferences(&path, &preferences);
        state.tell(Notice::KeptInTray);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(took: u64, outcome: AddEnd) -> Notice {
        Notice::AddEnded {
            title: "Parish scans".into(),
            took: Duration::from_secs(took),
            outcome,
        }
    }

    #[test]
    fn a_finished_add_is_told_when_it_was_long_or_the_window_is_away() {
        let p = DesktopPreferences::default();
        let stored = AddEnd::Stored { files: 200 };
        let long = LONG_ADD.as_secs();
        assert_eq!(words(&added(2, stored.clone()), &p, true, LONG_ADD), None);
        let told = words(&added(long, stored.clone()), &p, true, LONG_ADD).unwrap();
        assert_eq!(told.title, "Stored “Parish scans”");
        assert_eq!(told.body, "200 files, now kept by the network.");
        assert!(words(&added(2, stored.clone()), &p, false, LONG_ADD).is_some());
        // Turned off: never.
        let off = DesktopPreferences {
            notify_added: false,
            ..p.clone()
        };
        assert_eq!(words(&added(long, stored), &off, false, LONG_ADD), None);
        // Cancelled by the person: nothing to tell.
        assert_eq!(
            words(&added(long, AddEnd::Cancelled), &p, false, LONG_ADD),
            None
        );
    }

    #[test]
    fn problems_are_told_unless_turned_off() {
        let p = DesktopPreferences::default();
        let failed = added(
            1,
            AddEnd::Failed {
                message: "The node did not answer.".into(),
            },
        );
        let told = words(&failed, &p, true, LONG_ADD).unwrap();
        assert_eq!(told.title, "“Parish scans” was not stored");
        assert_eq!(told.body, "The node did not answer.");
        let damaged = Notice::CopyDamaged {
            item: "Minutes".into(),
            partner: "Leeds".into(),
        };
        assert!(
            words(&damaged, &p, true, LONG_ADD)
                .unwrap()
                .body
                .contains("Leeds's copy of “Minutes”")
        );
        let watch = Notice::WatchFailed {
            entry: "Box 9".into(),
            folder: "Scanning station".into(),
            message: "A file could not be read.".into(),
        };
        assert_eq!(
            words(&watch, &p, true, LONG_ADD).unwrap().title,
            "“Box 9” from Scanning station was not stored"
        );
        let off = DesktopPreferences {
            notify_problems: false,
            ..p
        };
        for n in [failed, damaged, watch] {
            assert_eq!(words(&n, &off, false, LONG_ADD), None, "{n:?}");
        }
    }

    #[test]
    fn a_partner_is_told_unreachable_once_per_absence_after_the_wait() {
        let mut w = UnreachableWatch::default();
        let t0 = Instant::now();
        let hour = Duration::from_secs(3600);
        let leeds = vec!["Leeds".to_string()];
        assert!(w.observe(t0, &leeds, hour).is_empty());
        assert!(w.observe(t0 + hour / 2, &leeds, hour).is_empty());
        let told = w.observe(t0 + hour, &leeds, hour);
        assert_eq!(told, vec![("Leeds".to_string(), hour)]);
        assert!(
            w.observe(t0 + hour * 2, &leeds, hour).is_empty(),
            "told once"
        );
        // Back, then away again: the wait starts again.
        assert!(w.observe(t0 + hour * 3, &[], hour).is_empty());
        assert!(w.observe(t0 + hour * 4, &leeds, hour).is_empty());
        assert_eq!(w.observe(t0 + hour * 5, &leeds, hour).len(), 1);
        assert_eq!(
            unreachable_words("Leeds", hour * 3).body,
            "It has not answered for 3 hours. Its copies cannot be checked until it is back; if it stays away, tell the person who runs the network."
        );
    }

    #[test]
    fn preferences_survive_a_restart_and_a_damaged_file_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = preferences_path(&dir.path().join("config.toml"));
        assert_eq!(load_preferences(&path), DesktopPreferences::default());
        assert!(
            !DesktopPreferences::default().start_at_login,
            "off by default"
        );
        let chosen = DesktopPreferences {
            notify_added: false,
            unreachable_minutes: 240,
            ..Default::default()
        };
        save_preferences(&path, &chosen).unwrap();
        assert_eq!(load_preferences(&path), chosen);
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(load_preferences(&path), DesktopPreferences::default());
    }

    #[test]
    fn the_tray_icon_carries_its_state_as_a_dot() {
        let size = 32;
        let plain = vec![0u8; (size * size * 4) as usize];
        assert_eq!(badged(&plain, size, Presence::AllWell.dot()), plain);
        let working = badged(&plain, size, Presence::Working.dot());
        let corner = (((size - 6) * size + (size - 6)) * 4) as usize;
        assert_eq!(&working[corner..corner + 4], &[0x2f, 0x6f, 0xb0, 255]);
        assert_eq!(&working[0..4], &[0, 0, 0, 0], "the rest unchanged");
        assert_eq!(Presence::of(true, true), Presence::NeedsAttention);
        assert_eq!(Presence::of(true, false), Presence::Working);
        assert_eq!(Presence::of(false, false), Presence::AllWell);
    }
}
