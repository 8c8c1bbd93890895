// Light or dark: the user's choice, remembered on this computer, or the
// operating system's when they have not chosen. Applied as <html data-theme>.

export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

const KEY = "baton.theme";

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  if (choice === "system") return systemDark ? "dark" : "light";
  return choice;
}

/** The next choice in the cycle the toggle goes through. */
export function nextChoice(choice: ThemeChoice): ThemeChoice {
  return choice === "system" ? "dark" : choice === "dark" ? "light" : "system";
}

export function parseChoice(value: string | null): ThemeChoice {
  return value === "light" || value === "dark" ? value : "system";
}

function systemDark(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia("(prefers-color-scheme: dark)").matches;
}

export function storedChoice(): ThemeChoice {
  try {
    return parseChoice(window.localStorage.getItem(KEY));
  } catch {
    return "system";
  }
}

export function applyTheme(choice: ThemeChoice): Theme {
  const theme = resolveTheme(choice, systemDark());
  document.documentElement.dataset.theme = theme;
  try {
    window.localStorage.setItem(KEY, choice);
  } catch {
    // Storage unavailable: the choice lasts for this window only.
  }
  return theme;
}

/** Applies the stored choice now and follows the OS while the choice is "system". */
export function initTheme(): void {
  applyTheme(storedChoice());
  if (typeof window.matchMedia === "function") {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme(storedChoice()));
  }
}
