// Light, dark, or as the system says: the person's choice in Settings, kept
// on this computer and applied as `data-theme` on <html> (style.css has the
// dark palette once, under that attribute; "As the system" follows the
// system's preference here, also when it changes).

export type Theme = "system" | "light" | "dark";

const THEME_KEY = "ccs.theme";

export function storedTheme(): Theme {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === "light" || t === "dark" ? t : "system";
  } catch {
    return "system";
  }
}

function systemPrefersDark(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement) {
  root.dataset.theme = theme === "system" ? (systemPrefersDark() ? "dark" : "light") : theme;
}

/** Follows the system's light or dark while the choice is "As the system". */
export function followSystemTheme() {
  if (typeof matchMedia !== "function") return;
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (storedTheme() === "system") applyTheme("system");
  });
}

/** Applies `theme` and keeps it for next time. */
export function chooseTheme(theme: Theme) {
  try {
    localStorage.setItem(THEME_KEY, theme);
  } catch {
    // Applied for this run only.
  }
  applyTheme(theme);
}
