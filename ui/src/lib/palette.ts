// The command palette's matching: every word typed must start a word of the
// command's title or keywords; titles matching at their start rank first.

export interface Command {
  id: string;
  title: string;
  /** Extra words it answers to ("call", "phone" for "Schedule a callback"). */
  keywords?: string;
  /** The shortcut shown next to it, e.g. "Alt+1". */
  hint?: string;
  /** Grouping shown in the list. */
  section: string;
  run: () => void;
}

function words(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** How well `command` matches `query`: higher is better, null when it does not. */
export function score(command: Pick<Command, "title" | "keywords">, query: string): number | null {
  const wanted = words(query);
  if (wanted.length === 0) return 0;
  const title = words(command.title);
  const all = [...title, ...words(command.keywords ?? "")];
  let total = 0;
  for (const w of wanted) {
    if (title.some((t) => t.startsWith(w))) total += 2;
    else if (all.some((t) => t.startsWith(w))) total += 1;
    else return null;
  }
  if (title[0]?.startsWith(wanted[0] ?? "")) total += 1;
  return total;
}

/** Commands matching `query`, best first, keeping the given order among equals. */
export function filterCommands<T extends Pick<Command, "title" | "keywords">>(commands: T[], query: string): T[] {
  return commands
    .map((c, i) => ({ c, i, s: score(c, query) }))
    .filter((x): x is { c: T; i: number; s: number } => x.s !== null)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.c);
}
