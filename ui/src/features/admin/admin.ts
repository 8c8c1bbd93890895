// The Admin view's logic, kept out of the components so it can be tested.
import type { AdminOrg } from "../../lib/bindings/AdminOrg";
import type { AdminUser } from "../../lib/bindings/AdminUser";
import type { ImportFormat } from "../../lib/bindings/ImportFormat";
import type { ImportKind } from "../../lib/bindings/ImportKind";
import type { ImportReport } from "../../lib/bindings/ImportReport";
import type { OrgKind } from "../../lib/bindings/OrgKind";
import type { OrgUpdate } from "../../lib/bindings/OrgUpdate";
import type { PartnerField } from "../../lib/bindings/PartnerField";
import type { Role } from "../../lib/bindings/Role";
import { USER_LOCALE } from "../../lib/format";

export const ROLE_LABELS: Record<Role, string> = {
  agent: "Agent",
  partner_dispatcher: "Dispatcher",
  supervisor: "Supervisor",
  admin: "Administrator",
};

/** The roles a user of an organisation of `kind` may hold (the server's rule, said sooner). */
export function rolesFor(kind: OrgKind): Role[] {
  return kind === "retailer" ? ["agent", "supervisor", "admin"] : ["partner_dispatcher", "supervisor", "admin"];
}

/** The role a user moved to an organisation of `kind` keeps: theirs when it exists there, else that kind's first. */
export function roleAfterMove(role: Role, kind: OrgKind): Role {
  const allowed = rolesFor(kind);
  return allowed.includes(role) ? role : (allowed[0] ?? role);
}

export const FIELD_LABELS: Record<PartnerField, string> = {
  phone: "Phone numbers",
  email: "Email addresses",
  address: "Job address",
  orders: "Orders and products",
};
export const ALL_FIELDS: PartnerField[] = ["phone", "email", "address", "orders"];

/** Longest SLA, in minutes (a week), as the server enforces it. */
export const MAX_SLA_MINUTES = 7 * 24 * 60;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** An SLA typed in minutes: empty means the server's default; anything but 1 to a week of whole minutes is an error. */
export function parseSla(input: string): Parsed<number | null> {
  const t = input.trim();
  if (t === "") return { ok: true, value: null };
  if (!/^\d+$/.test(t)) return { ok: false, message: "Give the SLA in whole minutes, or leave it empty for the default." };
  const n = Number(t);
  if (n < 1 || n > MAX_SLA_MINUTES) return { ok: false, message: `The SLA must be 1 to ${MAX_SLA_MINUTES} minutes.` };
  return { ok: true, value: n };
}

/** A minutes figure as people read it: "90 min", "4 h", "1 d 2 h". */
export function formatMinutes(m: number | null): string {
  if (m === null) return "Default";
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  const parts = [d ? `${d} d` : "", h ? `${h} h` : "", min ? `${min} min` : ""].filter(Boolean);
  return parts.join(" ");
}

/** An organisation id suggested from its name: "Swift Parcel Ltd" → "swift-parcel-ltd". */
export function suggestId(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100);
}

/** The organisation id rule: 1 to 100 letters, digits, '-', '_', ':' or '.'. */
export function validId(id: string): boolean {
  return /^[A-Za-z0-9_.:-]{1,100}$/.test(id);
}

/** The username rule: 2 to 100 letters, digits, '.', '-', '_' or '@'. */
export function validUsername(name: string): boolean {
  return /^[A-Za-z0-9._@-]{2,100}$/.test(name);
}

/** What a settings form changes, and nothing it leaves as it was. */
export type OrgDraft = { name: string; fields: PartnerField[]; callbackSla: string; commitmentSla: string };

export function draftOf(org: AdminOrg): OrgDraft {
  return {
    name: org.name,
    fields: [...org.visible_fields],
    callbackSla: org.callback_sla_minutes === null ? "" : String(org.callback_sla_minutes),
    commitmentSla: org.commitment_sla_minutes === null ? "" : String(org.commitment_sla_minutes),
  };
}

export function orgUpdate(org: AdminOrg, draft: OrgDraft): Parsed<OrgUpdate> {
  const change: OrgUpdate = {};
  const name = draft.name.trim();
  if (name === "") return { ok: false, message: "The name must not be empty." };
  if (name !== org.name) change.name = name;
  if (org.kind === "partner") {
    const fields = ALL_FIELDS.filter((f) => draft.fields.includes(f));
    const before = ALL_FIELDS.filter((f) => org.visible_fields.includes(f));
    if (fields.join() !== before.join()) change.visible_fields = fields;
    for (const [key, input, current] of [
      ["callback_sla_minutes", draft.callbackSla, org.callback_sla_minutes],
      ["commitment_sla_minutes", draft.commitmentSla, org.commitment_sla_minutes],
    ] as const) {
      const parsed = parseSla(input);
      if (!parsed.ok) return parsed;
      // 0 asks the server for its default.
      if (parsed.value !== current) change[key] = parsed.value ?? 0;
    }
  }
  return { ok: true, value: change };
}

/** How a user's last sign-in reads in the list. */
export function lastSeen(user: AdminUser, now: Date = new Date(), locale = USER_LOCALE): string {
  if (user.invite_pending) return "Invited — no password set yet";
  if (!user.last_sign_in_at) return "Never signed in";
  const at = new Date(user.last_sign_in_at);
  const sameDay = at.toDateString() === now.toDateString();
  const time = at.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
  return sameDay ? `Today ${time}` : `${at.toLocaleDateString(locale, { day: "numeric", month: "short", year: "numeric" })} ${time}`;
}

/** Users grouped as the list shows them: by organisation (the retailer first), then by name. */
export function sortUsers(users: AdminUser[]): AdminUser[] {
  return [...users].sort(
    (a, b) =>
      (a.org.kind === b.org.kind ? 0 : a.org.kind === "retailer" ? -1 : 1) ||
      a.org.name.localeCompare(b.org.name) ||
      a.display_name.localeCompare(b.display_name),
  );
}

/** What each kind of file holds, in the order they are loaded (docs/import.md). */
export const IMPORT_KINDS: { kind: ImportKind; label: string }[] = [
  { kind: "customers", label: "Customers" },
  { kind: "people", label: "People on accounts" },
  { kind: "contact_points", label: "Phone numbers and emails" },
  { kind: "addresses", label: "Addresses" },
  { kind: "orders", label: "Orders" },
  { kind: "jobs", label: "Partner jobs" },
];

/**
 * What a file holds and how it is written, from its name as the server's
 * `import` command reads it ("contact_points.csv", "Jobs-2026-12.jsonl"):
 * `null` where the name does not say, for the administrator to choose.
 */
export function importGuess(fileName: string): { kind: ImportKind | null; format: ImportFormat | null } {
  const lower = fileName.toLowerCase();
  const dot = lower.lastIndexOf(".");
  const ext = dot >= 0 ? lower.slice(dot + 1) : "";
  const format: ImportFormat | null = ext === "csv" ? "csv" : ext === "jsonl" || ext === "ndjson" ? "jsonl" : null;
  const stem = (dot >= 0 ? lower.slice(0, dot) : lower).replaceAll("-", "_").replaceAll(" ", "_");
  // The longest kind the name starts with: "contact_points" before anything shorter.
  const kind =
    [...IMPORT_KINDS]
      .sort((a, b) => b.kind.length - a.kind.length)
      .find((k) => stem === k.kind || stem.startsWith(`${k.kind}_`))?.kind ?? null;
  return { kind, format };
}

/** "1,204 rows read · 1,198 imported · 6 refused", as the report stands. */
export function importSummary(r: ImportReport, locale = USER_LOCALE): string {
  const n = (x: number): string => x.toLocaleString(locale);
  const parts = [`${n(r.rows_read)} ${r.rows_read === 1 ? "row" : "rows"} read`, `${n(r.rows_imported)} imported`];
  if (r.rows_rejected > 0) parts.push(`${n(r.rows_rejected)} refused`);
  const state: Record<ImportReport["status"], string> = {
    running: "importing…",
    done: "done",
    failed: `failed: ${r.error ?? "the file could not be read"}`,
    interrupted: "interrupted: send the same file again to finish it",
  };
  return `${parts.join(" · ")} — ${state[r.status]}`;
}
