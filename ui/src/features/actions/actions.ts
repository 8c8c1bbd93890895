// The record's actions as intents: what each form turns into, what it must say
// before it can be queued, and how its sync state reads. The Rust side checks
// again at the IPC boundary and the server once more; this is for instant,
// specific feedback while typing.
import type { Customer } from "../../lib/bindings/Customer";
import type { FieldEdit } from "../../lib/bindings/FieldEdit";
import type { Intent } from "../../lib/bindings/Intent";
import type { Job } from "../../lib/bindings/Job";
import type { JobStatus } from "../../lib/bindings/JobStatus";
import type { Person } from "../../lib/bindings/Person";
import type { Priority } from "../../lib/bindings/Priority";
import { fromLocalInput } from "../queue/queue";

export type ActionKind = "note" | "callback" | "promise" | "ticket" | "escalate" | "confirm";

export const ACTION_TITLES: Record<ActionKind, string> = {
  note: "Add a note",
  ticket: "Open a ticket",
  callback: "Schedule a callback",
  promise: "Record a promise",
  escalate: "Escalate a ticket",
  confirm: "Send a confirmation",
};

/** A fresh id for what an edit creates, so it can be shown and retried offline. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID()}`;
}

/** Either the intent to queue, or what the user still has to fix. */
export type Built = { ok: true; intent: Intent } | { ok: false; error: string };
const fail = (error: string): Built => ({ ok: false, error });
const ok = (intent: Intent): Built => ({ ok: true, intent });
const opt = (s: string): string | null => (s.trim() === "" ? null : s.trim());

export interface NoteForm {
  text: string;
  jobId: string;
  ticketId: string;
}

export function buildNote(customerId: string, f: NoteForm, id = newId("note")): Built {
  if (!f.text.trim()) return fail("Write the note first.");
  return ok({
    type: "add_note",
    customer_id: customerId,
    note_id: id,
    text: f.text.trim(),
    job_id: opt(f.jobId),
    ticket_id: opt(f.ticketId),
  });
}

export interface CallbackForm {
  ownerOrgId: string;
  personId: string;
  phone: string;
  request: string;
  /** Due at a time, or when a job reaches a status. */
  when: "time" | "status";
  dueAt: string;
  dueUntil: string;
  jobId: string;
  status: JobStatus;
}

export function buildCallback(customerId: string, f: CallbackForm, id = newId("cb")): Built {
  if (!f.ownerOrgId) return fail("Choose who calls back.");
  if (!f.phone.trim()) return fail("Give the number to call.");
  if (!f.request.trim()) return fail("Say what the customer asked for.");
  let dueAt: Date | null = null;
  let dueUntil: Date | null = null;
  if (f.when === "time") {
    dueAt = fromLocalInput(f.dueAt);
    if (!dueAt) return fail("Choose when to call back.");
    dueUntil = fromLocalInput(f.dueUntil);
    if (f.dueUntil && (!dueUntil || dueUntil <= dueAt)) return fail("The window must end after it starts.");
  } else if (!f.jobId) {
    return fail("Choose the job whose status to wait for.");
  }
  return ok({
    type: "schedule_callback",
    customer_id: customerId,
    callback_id: id,
    owner_org_id: f.ownerOrgId,
    owner_user_id: null,
    person_id: opt(f.personId),
    phone: f.phone.trim(),
    request: f.request.trim(),
    due_at: dueAt ? dueAt.toISOString() : null,
    due_until: dueUntil ? dueUntil.toISOString() : null,
    trigger: f.when === "status" ? { type: "job_status", job_id: f.jobId, status: f.status } : null,
    job_id: opt(f.jobId),
  });
}

export interface PromiseForm {
  text: string;
  dueAt: string;
  ownerOrgId: string;
  ticketId: string;
  jobId: string;
}

export function buildPromise(customerId: string, f: PromiseForm, id = newId("cm")): Built {
  if (!f.text.trim()) return fail("Say what was promised.");
  const due = fromLocalInput(f.dueAt);
  if (!due) return fail("Choose when it is due.");
  if (!f.ownerOrgId) return fail("Choose who keeps the promise.");
  return ok({
    type: "record_commitment",
    customer_id: customerId,
    commitment_id: id,
    text: f.text.trim(),
    due_at: due.toISOString(),
    owner_org_id: f.ownerOrgId,
    ticket_id: opt(f.ticketId),
    job_id: opt(f.jobId),
  });
}

export interface TicketForm {
  subject: string;
  priority: Priority;
  jobId: string;
}

export function buildTicket(customerId: string, f: TicketForm, id = newId("tkt")): Built {
  if (!f.subject.trim()) return fail("Say what the case is about.");
  return ok({
    type: "open_ticket",
    customer_id: customerId,
    ticket_id: id,
    subject: f.subject.trim(),
    priority: f.priority,
    job_ids: f.jobId ? [f.jobId] : [],
  });
}

export interface EscalateForm {
  ticketId: string;
  orgId: string;
  reason: string;
  pauseReason: string;
}

export function buildEscalation(customerId: string, f: EscalateForm): Built {
  if (!f.ticketId) return fail("Choose the ticket.");
  if (!f.orgId) return fail("Choose the partner.");
  if (!f.reason.trim()) return fail("Tell the partner what to do, with the context it needs.");
  return ok({
    type: "escalate_ticket",
    customer_id: customerId,
    ticket_id: f.ticketId,
    org_id: f.orgId,
    reason: f.reason.trim(),
    pause_reason: opt(f.pauseReason),
  });
}

export interface ConfirmForm {
  personId: string;
  /** One of the retailer's templates, or "" to send `text` (retailer staff only). */
  templateId: string;
  text: string;
}

export function buildConfirmation(customerId: string, f: ConfirmForm, id = newId("cf")): Built {
  if (f.templateId) {
    return ok({
      type: "send_confirmation",
      customer_id: customerId,
      confirmation_id: id,
      person_id: opt(f.personId),
      text: "",
      template_id: f.templateId,
    });
  }
  if (!f.text.trim()) return fail("Write what to confirm to the customer, or pick one of the retailer's messages.");
  return ok({
    type: "send_confirmation",
    customer_id: customerId,
    confirmation_id: id,
    person_id: opt(f.personId),
    text: f.text.trim(),
    template_id: null,
  });
}

export function buildJobStatus(job: Job, status: JobStatus): Intent {
  return { type: "set_job_status", customer_id: job.customer_id, job_id: job.id, status, base_status: job.status };
}

/**
 * The number to call someone back on without asking for it again: their
 * preferred phone for appointments, else any preferred phone, else the first.
 */
export function callbackNumber(person: Person | undefined): string {
  const phones = person?.contacts.filter((c) => c.kind === "phone") ?? [];
  const best =
    phones.find((c) => c.preferred && c.purposes.includes("appointments")) ??
    phones.find((c) => c.purposes.includes("appointments")) ??
    phones.find((c) => c.preferred) ??
    phones[0];
  return best?.value ?? "";
}

/** Who a form is about when nobody is chosen: a job's contact, else the account holder. */
export function defaultPerson(customer: Customer, job?: Job): Person | undefined {
  const byJob = job?.contact_person_id ? customer.people.find((p) => p.id === job.contact_person_id) : undefined;
  return byJob ?? customer.people.find((p) => p.roles.includes("account_holder")) ?? customer.people[0];
}

/** A `datetime-local` value `hours` from `now`, rounded up to the next quarter hour. */
export function localInputIn(hours: number, now: Date = new Date()): string {
  const d = new Date(now.getTime() + hours * 3_600_000);
  d.setSeconds(0, 0);
  d.setMinutes(Math.ceil(d.getMinutes() / 15) * 15);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const KIND_OF_TARGET: Record<string, string> = {
  note: "Note",
  callback: "Callback",
  commitment: "Promise",
  ticket: "Ticket",
  confirmation: "Confirmation",
  "job-status": "Job status",
  job: "Job",
  "job-contact": "Job contact",
  feedback: "Feedback",
  merge: "Merge",
};

/** The record's actions (everything but contact edits, which show on the contact). */
export function actionEdits(edits: FieldEdit[]): FieldEdit[] {
  return edits.filter((e) => !e.target.startsWith("contact:")).reverse();
}

export function actionLabel(edit: FieldEdit): string {
  const prefix = edit.target.split(":")[0] ?? "";
  return KIND_OF_TARGET[prefix] ?? "Edit";
}
