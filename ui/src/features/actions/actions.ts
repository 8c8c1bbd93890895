// The record's actions as intents: what each form turns into, what it must say
// before it can be queued, and how its sync state reads. The Rust side checks
// again at the IPC boundary and the server once more; this is for instant,
// specific feedback while typing.
import type { AttemptOutcome } from "../../lib/bindings/AttemptOutcome";
import type { ContactPurpose } from "../../lib/bindings/ContactPurpose";
import type { Customer } from "../../lib/bindings/Customer";
import type { FieldEdit } from "../../lib/bindings/FieldEdit";
import type { Intent } from "../../lib/bindings/Intent";
import type { InteractionChannel } from "../../lib/bindings/InteractionChannel";
import type { Job } from "../../lib/bindings/Job";
import type { JobKind } from "../../lib/bindings/JobKind";
import type { JobStatus } from "../../lib/bindings/JobStatus";
import type { NoteVisibility } from "../../lib/bindings/NoteVisibility";
import type { Person } from "../../lib/bindings/Person";
import type { Priority } from "../../lib/bindings/Priority";
import type { Ticket } from "../../lib/bindings/Ticket";
import type { SurveySubject } from "../../lib/bindings/SurveySubject";
import type { TicketStatus } from "../../lib/bindings/TicketStatus";
import type { TimelineEntry } from "../../lib/bindings/TimelineEntry";
import { jobStatusLabel } from "../../lib/format";
import { fromLocalInput } from "../queue/queue";

export type ActionKind =
  | "note"
  | "interaction"
  | "callback"
  | "promise"
  | "ticket"
  | "escalate"
  | "confirm"
  | "feedback"
  | "job"
  | "reschedule";

export const ACTION_TITLES: Record<ActionKind, string> = {
  note: "Add a note",
  interaction: "Log a conversation",
  feedback: "Record the customer's feedback",
  ticket: "Open a ticket",
  callback: "Schedule a callback",
  promise: "Record a promise",
  escalate: "Escalate a ticket",
  confirm: "Send a confirmation",
  job: "Give a partner a job",
  reschedule: "Reschedule a job",
};

/** Each action's key on the record (as in Linear: a letter while not typing). */
export const ACTION_KEYS: Record<ActionKind, string> = {
  note: "N",
  interaction: "L",
  feedback: "F",
  callback: "C",
  promise: "P",
  ticket: "T",
  escalate: "E",
  confirm: "S",
  job: "J",
  reschedule: "R",
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
  /** Shared with everyone on the case, or internal to the writer's organisation. */
  visibility: NoteVisibility;
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
    visibility: f.visibility,
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

export interface JobFormFields {
  orgId: string;
  kind: JobKind;
  summary: string;
  contactPersonId: string;
  addressId: string;
  orderId: string;
  /** `datetime-local` values; both empty for a job not booked yet. */
  start: string;
  end: string;
}

/** An appointment from two `datetime-local` fields: none, or a window that ends after it starts. */
function window(start: string, end: string): { ok: true; value: [Date, Date] | null } | { ok: false; error: string } {
  if (!start && !end) return { ok: true, value: null };
  const s = fromLocalInput(start);
  const e = fromLocalInput(end);
  if (!s || !e) return { ok: false, error: "Give the appointment's start and end, or neither." };
  if (e <= s) return { ok: false, error: "The appointment must end after it starts." };
  if (e.getTime() - s.getTime() > 14 * 86_400_000) return { ok: false, error: "An appointment lasts at most 14 days." };
  return { ok: true, value: [s, e] };
}

export function buildJob(customerId: string, f: JobFormFields, id = newId("job")): Built {
  if (!f.orgId) return fail("Choose the partner.");
  if (!f.summary.trim()) return fail("Say what the job is.");
  if (!f.contactPersonId) return fail("Choose who the partner contacts.");
  const w = window(f.start, f.end);
  if (!w.ok) return fail(w.error);
  return ok({
    type: "create_job",
    customer_id: customerId,
    job_id: id,
    org_id: f.orgId,
    kind: f.kind,
    summary: f.summary.trim(),
    contact_person_id: f.contactPersonId,
    address_id: opt(f.addressId),
    order_id: opt(f.orderId),
    appointment_start: w.value ? w.value[0].toISOString() : null,
    appointment_end: w.value ? w.value[1].toISOString() : null,
  });
}

export interface RescheduleFields {
  jobId: string;
  start: string;
  end: string;
  reason: string;
}

export function buildReschedule(customerId: string, f: RescheduleFields): Built {
  if (!f.jobId) return fail("Choose the job.");
  const w = window(f.start, f.end);
  if (!w.ok) return fail(w.error);
  if (!w.value) return fail("Choose the new appointment.");
  return ok({
    type: "reschedule_job",
    customer_id: customerId,
    job_id: f.jobId,
    appointment_start: w.value[0].toISOString(),
    appointment_end: w.value[1].toISOString(),
    reason: opt(f.reason),
  });
}

/** A job as a form offers it: "J-200011 · Brightline Installations · Scheduled". */
export function jobChoice(job: Job): string {
  return `${job.number} · ${job.org_name} · ${jobStatusLabel(job.status)}`;
}

/** Jobs whose appointment can still move: not completed, failed or cancelled. */
export function movableJobs(jobs: Job[]): Job[] {
  return jobs.filter((j) => !["completed", "failed", "cancelled"].includes(j.status));
}

/** A `datetime-local` value for a stored time, in the user's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
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
  "job-appointment": "Appointment",
  order: "Order",
  feedback: "Feedback",
  merge: "Merge",
  survey: "Survey",
  "time-zone": "Time zone",
};

/** The record's actions (everything but contact edits, which show on the contact). */
export function actionEdits(edits: FieldEdit[]): FieldEdit[] {
  return edits.filter((e) => !e.target.startsWith("contact:")).reverse();
}

export function actionLabel(edit: FieldEdit): string {
  const prefix = edit.target.split(":")[0] ?? "";
  return KIND_OF_TARGET[prefix] ?? "Edit";
}

// ---- Closing the loop: outcomes, promises, ticket status, interactions, feedback.

/** Whether the user may act on an item owned by `ownerOrgId`: its own organisation's, or any as retailer staff. */
export function canActOn(ownerOrgId: string, ownOrgId: string, isPartner: boolean): boolean {
  return !isPartner || ownerOrgId === ownOrgId;
}

export const ATTEMPT_LABELS: Record<AttemptOutcome, string> = {
  reached: "Reached",
  no_answer: "No answer",
  left_message: "Left a message",
  wrong_number: "Wrong number",
};

export function buildAttempt(customerId: string, callbackId: string, outcome: AttemptOutcome, note: string): Intent {
  return { type: "record_callback_attempt", customer_id: customerId, callback_id: callbackId, outcome, note: note.trim() };
}

export function buildResolveCommitment(customerId: string, commitmentId: string, status: "kept" | "broken"): Intent {
  return { type: "resolve_commitment", customer_id: customerId, commitment_id: commitmentId, status };
}

/** The statuses a ticket may move to next, as the server's lifecycle allows (closed is final). */
export function ticketMoves(status: TicketStatus): TicketStatus[] {
  switch (status) {
    case "open":
      return ["pending", "resolved", "closed"];
    case "pending":
      return ["open", "resolved", "closed"];
    case "resolved":
      return ["open", "closed"];
    case "closed":
      return [];
  }
}

/** A ticket move as a user reads it: "Reopen" for a resolved ticket going back to open. */
export function ticketMoveLabel(from: TicketStatus, to: TicketStatus): string {
  if (to === "open") return from === "resolved" ? "Reopen" : "Back to open";
  return { pending: "Waiting on the customer", resolved: "Resolve", closed: "Close" }[to];
}

export function buildTicketStatus(customerId: string, ticket: Ticket, status: TicketStatus): Intent {
  return { type: "set_ticket_status", customer_id: customerId, ticket_id: ticket.id, status, base_status: ticket.status };
}

export const CHANNEL_LABELS: Record<InteractionChannel, string> = {
  phone: "Call",
  chat: "Chat",
  email: "Email",
  sms: "SMS",
  visit: "Visit",
};

export interface InteractionFields {
  channel: InteractionChannel;
  summary: string;
  jobId: string;
  ticketId: string;
}

export function buildInteraction(customerId: string, f: InteractionFields, id = newId("int")): Built {
  if (!f.summary.trim()) return fail("Say what was discussed.");
  return ok({
    type: "log_interaction",
    customer_id: customerId,
    interaction_id: id,
    channel: f.channel,
    summary: f.summary.trim(),
    job_id: opt(f.jobId),
    ticket_id: opt(f.ticketId),
  });
}

export interface FeedbackFields {
  jobId: string;
  /** "" when the customer gave no score. */
  csat: string;
  nps: string;
  comment: string;
  /** Whether the customer had to repeat something already known: "yes", "no", or "" when not asked. */
  reasked: "" | "yes" | "no";
}

/** A whole number in `[min, max]` from a field, `null` for an empty one, or an error. */
function score(value: string, min: number, max: number, what: string): { ok: true; value: number | null } | { ok: false; error: string } {
  const v = value.trim();
  if (v === "") return { ok: true, value: null };
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) return { ok: false, error: `${what} is a whole number from ${min} to ${max}.` };
  return { ok: true, value: Number(v) };
}

export function buildFeedback(customerId: string, f: FeedbackFields, id = newId("fb")): Built {
  if (!f.jobId) return fail("Choose the job the feedback is about.");
  const csat = score(f.csat, 1, 5, "Satisfaction");
  if (!csat.ok) return fail(csat.error);
  const nps = score(f.nps, 0, 10, "Likelihood to recommend");
  if (!nps.ok) return fail(nps.error);
  if (csat.value === null && nps.value === null) return fail("Give a score: satisfaction, likelihood to recommend, or both.");
  return ok({
    type: "record_feedback",
    customer_id: customerId,
    feedback_id: id,
    job_id: f.jobId,
    csat: csat.value,
    nps: nps.value,
    comment: f.comment.trim(),
    reasked: f.reasked === "" ? null : f.reasked === "yes",
  });
}

/** The time zones a customer can be recorded in: the runtime's list (IANA names). */
export const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["Europe/London", "Europe/Dublin", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney"];
  }
})();

/** Sends the customer a one-question survey about a completed job or a resolved case. */
export function buildSurvey(customerId: string, about: SurveySubject, id = newId("srv")): Intent {
  return { type: "send_survey", customer_id: customerId, survey_id: id, about };
}

/**
 * Where a job's or case's survey stands, from the record's timeline: not sent,
 * sent (the link is with the customer), or answered (with the rating).
 */
export type SurveyState = { state: "none" } | { state: "sent"; at: string } | { state: "answered"; at: string; text: string };

export function surveyState(timeline: TimelineEntry[], about: SurveySubject): SurveyState {
  const on = (e: TimelineEntry): boolean => (about.kind === "job" ? e.job_id : e.ticket_id) === about.id;
  const answered = timeline.find((e) => e.kind === "feedback" && on(e) && e.text.startsWith("The customer answered the survey"));
  if (answered) return { state: "answered", at: answered.at, text: answered.text };
  const sent = timeline.find((e) => e.kind === "survey" && on(e));
  return sent ? { state: "sent", at: sent.at } : { state: "none" };
}

export function buildReassign(job: Job, orgId: string): Intent {
  return { type: "reassign_job", customer_id: job.customer_id, job_id: job.id, org_id: orgId };
}

export function buildJobContact(job: Job, personId: string): Intent {
  return { type: "set_job_contact", customer_id: job.customer_id, job_id: job.id, person_id: personId };
}

export interface PreferenceFields {
  purposes: ContactPurpose[];
  preferred: boolean;
  service: boolean;
  marketing: boolean;
}

export function buildPreferences(customerId: string, personId: string, pointId: string, f: PreferenceFields): Intent {
  return {
    type: "set_contact_preferences",
    customer_id: customerId,
    person_id: personId,
    contact_point_id: pointId,
    purposes: f.purposes,
    preferred: f.preferred,
    consent: { service: f.service, marketing: f.marketing },
  };
}
