// Light, dark, or as the system says: the person's choice in Settings, kept
// on this computer and applied as `data-theme` on <html> (style.css).

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

export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement) {
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
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
