import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { USER_LOCALE } from "./lib/format";
import { initTheme } from "./lib/theme";

initTheme();
// The locale the window is written in, as <html lang> says for assistive technology too.
document.documentElement.lang = USER_LOCALE;

// The last unexpected error, kept on the page for diagnosis (the e2e tests print it on failure).
const remember = (what: unknown): void => {
  document.documentElement.dataset.lastError = what instanceof Error ? `${what.message}\n${what.stack ?? ""}` : String(what);
};
window.addEventListener("error", (e) => remember(e.error ?? e.message));
window.addEventListener("unhandledrejection", (e) => remember(e.reason));

const target = document.getElementById("app");
if (!target) throw new Error("missing #app element");

export default mount(App, { target });
