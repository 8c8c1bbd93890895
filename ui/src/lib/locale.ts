// The user's locale for dates, times and phone numbers: their choice,
// remembered on this computer, or the operating system's. A UK user reads
// "3 Dec, 14:05" and "07946 000202"; a US user "Dec 3, 2:05 PM" and
// "+44 7946 000202". Changing it reloads the window, so every formatter is
// made once, for one locale.

const KEY = "baton.locale";

/** The locales offered in the command palette, by their own names. */
export const LOCALES: { tag: string; name: string }[] = [
  { tag: "en-GB", name: "English (United Kingdom)" },
  { tag: "en-IE", name: "English (Ireland)" },
  { tag: "en-US", name: "English (United States)" },
  { tag: "de-DE", name: "Deutsch (Deutschland)" },
  { tag: "es-ES", name: "Español (España)" },
  { tag: "fr-FR", name: "Français (France)" },
  { tag: "nl-NL", name: "Nederlands (Nederland)" },
];

/** `tag` when the platform formats dates for it, else `null`. */
export function supported(tag: string | null | undefined): string | null {
  if (!tag) return null;
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0 ? tag : null;
  } catch {
    return null;
  }
}

function systemLocale(): string {
  const nav = typeof navigator === "undefined" ? undefined : navigator.language;
  return supported(nav) ?? "en-GB";
}

export function storedLocale(): string | null {
  try {
    return supported(window.localStorage.getItem(KEY));
  } catch {
    return null;
  }
}

/** The locale every date, time and number on screen is written in. */
export function userLocale(): string {
  return (typeof window === "undefined" ? null : storedLocale()) ?? systemLocale();
}

/** The country a locale is for ("GB" for en-GB), when it names one. */
export function regionOf(locale: string): string | null {
  try {
    return new Intl.Locale(locale).maximize().region ?? null;
  } catch {
    return null;
  }
}

/** Remembers `tag` (or the system's, for `null`) and redraws the window in it. */
export function chooseLocale(tag: string | null): void {
  try {
    if (tag) window.localStorage.setItem(KEY, tag);
    else window.localStorage.removeItem(KEY);
  } catch {
    // Storage unavailable: the choice cannot outlive this window.
  }
  window.location.reload();
}
