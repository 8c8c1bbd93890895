// The Admin view's logic, kept out of the components so it can be tested.
import type { AdminOrg } from "../../lib/bindings/AdminOrg";
import type { AdminUser } from "../../lib/bindings/AdminUser";
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
