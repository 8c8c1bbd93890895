import { describe, expect, it } from "vitest";
import type { ContactPoint } from "../../lib/bindings/ContactPoint";
import type { Job } from "../../lib/bindings/Job";
import type { JobStatus } from "../../lib/bindings/JobStatus";
import type { Person } from "../../lib/bindings/Person";
import type { TimelineEntry } from "../../lib/bindings/TimelineEntry";
import {
  buildSurvey,
  surveyState,
  actionEdits,
  actionLabel,
  buildAttempt,
  buildCallback,
  buildConfirmation,
  buildFeedback,
  buildInteraction,
  buildPreferences,
  buildResolveCommitment,
  buildTicketStatus,
  canActOn,
  ticketMoveLabel,
  ticketMoves,
  buildEscalation,
  buildJob,
  buildJobStatus,
  buildNote,
  buildReschedule,
  buildPromise,
  buildTicket,
  callbackNumber,
  localInputIn,
  movableJobs,
  toLocalInput,
  type CallbackForm,
} from "./actions";

const phone = (over: Partial<ContactPoint>): ContactPoint => ({
  id: "cp",
  kind: "phone",
  label: "mobile",
  value: "+447946000001",
  preferred: false,
  updated_at: "2026-11-23T10:00:00Z",
  updated_by: "x",
  purposes: [],
  consent: { service: true, marketing: false },
  ...over,
});

const job: Job = {
  id: "job_1",
  number: "J-200011",
  customer_id: "cus_1",
  org_id: "fixright",
  org_name: "FixRight",
  kind: "installation",
  status: "scheduled",
  summary: "Install TV",
  contact_person_id: null,
  address_id: null,
  order_id: null,
  appointment_start: null,
  appointment_end: null,
  updated_at: "2026-11-23T10:00:00Z",
};

const callback: CallbackForm = {
  ownerOrgId: "swiftpost",
  personId: "per_1",
  phone: "07946 000202",
  request: "Correct the delivery address",
  when: "time",
  dueAt: "2026-11-24T10:00",
  dueUntil: "2026-11-24T12:00",
  jobId: "",
  status: "at_depot",
};

describe("record actions", () => {
  it("refuses an empty note and trims a real one", () => {
    expect(buildNote("cus_1", { text: "  ", jobId: "", ticketId: "", visibility: "shared" })).toEqual({ ok: false, error: "Write the note first." });
    const built = buildNote("cus_1", { text: " Called, no answer ", jobId: "job_1", ticketId: "", visibility: "internal" }, "note_x");
    expect(built).toEqual({
      ok: true,
      intent: {
        type: "add_note",
        customer_id: "cus_1",
        note_id: "note_x",
        text: "Called, no answer",
        job_id: "job_1",
        ticket_id: null,
        visibility: "internal",
      },
    });
  });

  it("builds a callback due in a window, or when a job reaches a status", () => {
    const timed = buildCallback("cus_1", callback, "cb_x");
    expect(timed.ok).toBe(true);
    if (timed.ok && timed.intent.type === "schedule_callback") {
      expect(timed.intent.due_at).toBe(new Date("2026-11-24T10:00").toISOString());
      expect(timed.intent.due_until).toBe(new Date("2026-11-24T12:00").toISOString());
      expect(timed.intent.trigger).toBeNull();
    }
    const triggered = buildCallback("cus_1", { ...callback, when: "status", jobId: "job_1", dueAt: "" });
    expect(triggered.ok && triggered.intent.type === "schedule_callback" && triggered.intent.trigger).toEqual({
      type: "job_status",
      job_id: "job_1",
      status: "at_depot",
    });
  });

  it("says what a callback is missing", () => {
    expect(buildCallback("c", { ...callback, ownerOrgId: "" })).toEqual({ ok: false, error: "Choose who calls back." });
    expect(buildCallback("c", { ...callback, phone: " " })).toEqual({ ok: false, error: "Give the number to call." });
    expect(buildCallback("c", { ...callback, dueUntil: "2026-11-24T09:00" })).toEqual({
      ok: false,
      error: "The window must end after it starts.",
    });
    expect(buildCallback("c", { ...callback, when: "status", jobId: "" })).toEqual({
      ok: false,
      error: "Choose the job whose status to wait for.",
    });
  });

  it("needs a due time and an owner for a promise, a partner and a reason for an escalation", () => {
    expect(buildPromise("c", { text: "Email", dueAt: "", ownerOrgId: "x", ticketId: "", jobId: "" }).ok).toBe(false);
    expect(buildPromise("c", { text: "Email", dueAt: "2026-11-24T10:00", ownerOrgId: "x", ticketId: "", jobId: "" }).ok).toBe(true);
    expect(buildEscalation("c", { ticketId: "t1", orgId: "", reason: "fix it", pauseReason: "" }).ok).toBe(false);
    const esc = buildEscalation("c", { ticketId: "t1", orgId: "sunhotel", reason: "Half board", pauseReason: " " });
    expect(esc.ok && esc.intent.type === "escalate_ticket" && esc.intent.pause_reason).toBeNull();
    expect(buildConfirmation("c", { personId: "", templateId: "", text: "" }).ok).toBe(false);
  });

  it("sends one of the retailer's messages, or the agent's own words, never both", () => {
    const tpl = buildConfirmation("c", { personId: "p1", templateId: "tpl_visit_booked", text: "ignored" }, "cf_1");
    expect(tpl).toEqual({
      ok: true,
      intent: { type: "send_confirmation", customer_id: "c", confirmation_id: "cf_1", person_id: "p1", text: "", template_id: "tpl_visit_booked" },
    });
    const own = buildConfirmation("c", { personId: "", templateId: "", text: " Tuesday 10-12 " }, "cf_2");
    expect(own.ok && own.intent.type === "send_confirmation" && own.intent.text).toBe("Tuesday 10-12");
  });

  it("opens a ticket about a job, or refuses one without a subject", () => {
    expect(buildTicket("c", { subject: " ", priority: "high", jobId: "" })).toEqual({ ok: false, error: "Say what the case is about." });
    expect(buildTicket("c", { subject: " Bracket missing ", priority: "high", jobId: "job_1" }, "tkt_x")).toEqual({
      ok: true,
      intent: { type: "open_ticket", customer_id: "c", ticket_id: "tkt_x", subject: "Bracket missing", priority: "high", job_ids: ["job_1"] },
    });
  });

  it("moves a job from the status the user saw", () => {
    expect(buildJobStatus(job, "en_route")).toEqual({
      type: "set_job_status",
      customer_id: "cus_1",
      job_id: "job_1",
      status: "en_route",
      base_status: "scheduled",
    });
  });

  it("calls back on the number meant for appointments, without asking for it", () => {
    const person: Person = {
      id: "p",
      name: "Margaret",
      roles: ["site_contact"],
      contacts: [
        phone({ id: "a", value: "+441865000001", preferred: true }),
        phone({ id: "b", value: "+447946000202", purposes: ["appointments"] }),
        { ...phone({ id: "c" }), kind: "email", value: "m@example.com" },
      ],
    };
    expect(callbackNumber(person)).toBe("+447946000202");
    expect(callbackNumber({ ...person, contacts: [phone({ value: "+1" })] })).toBe("+1");
    expect(callbackNumber(undefined)).toBe("");
  });

  it("lists the record's actions newest first, without contact edits", () => {
    const edit = (target: string, mutation_id: string) => ({
      mutation_id,
      target,
      state: "saved_locally" as const,
      value: "v",
      created_at: "2026-11-23T10:00:00Z",
      error_code: null,
      message: null,
      replaced_value: null,
    });
    const list = actionEdits([edit("contact:x", "1"), edit("note:n", "2"), edit("callback:c", "3")]);
    expect(list.map((e) => e.mutation_id)).toEqual(["3", "2"]);
    expect(list.map(actionLabel)).toEqual(["Callback", "Note"]);
  });

  it("proposes due times on the next quarter hour", () => {
    expect(localInputIn(2, new Date(2026, 10, 23, 9, 7))).toBe("2026-11-23T11:15");
    expect(localInputIn(24, new Date(2026, 10, 23, 23, 50))).toBe("2026-11-25T00:00");
  });
});

describe("giving a partner a job and moving its appointment", () => {
  const job = {
    orgId: "brightline",
    kind: "installation" as const,
    summary: " Mount the TV ",
    contactPersonId: "per_1",
    addressId: "adr_1",
    orderId: "",
    start: "2026-12-10T09:00",
    end: "2026-12-10T11:00",
  };

  it("builds a booked job with what the form holds", () => {
    const built = buildJob("cus_1", job, "job_x");
    expect(built.ok).toBe(true);
    if (!built.ok || built.intent.type !== "create_job") return;
    expect(built.intent.summary).toBe("Mount the TV");
    expect(built.intent.order_id).toBeNull();
    expect(new Date(built.intent.appointment_start ?? "").getTime()).toBe(new Date(2026, 11, 10, 9).getTime());
  });

  it("books nothing when both times are empty, and refuses half a window or a backwards one", () => {
    const unbooked = buildJob("cus_1", { ...job, start: "", end: "" });
    expect(unbooked.ok && unbooked.intent.type === "create_job" && unbooked.intent.appointment_start).toBe(null);
    expect(buildJob("cus_1", { ...job, end: "" }).ok).toBe(false);
    expect(buildJob("cus_1", { ...job, end: "2026-12-10T08:00" }).ok).toBe(false);
    expect(buildJob("cus_1", { ...job, end: "2026-12-30T08:00" }).ok).toBe(false);
    expect(buildJob("cus_1", { ...job, orgId: "" }).ok).toBe(false);
    expect(buildJob("cus_1", { ...job, summary: "  " }).ok).toBe(false);
  });

  it("moves an appointment only to a whole new window", () => {
    const moved = buildReschedule("cus_1", { jobId: "job_1", start: "2026-12-11T13:00", end: "2026-12-11T15:00", reason: "" });
    expect(moved.ok && moved.intent.type === "reschedule_job" && moved.intent.reason).toBe(null);
    expect(buildReschedule("cus_1", { jobId: "job_1", start: "", end: "", reason: "" }).ok).toBe(false);
    expect(buildReschedule("cus_1", { jobId: "", start: "2026-12-11T13:00", end: "2026-12-11T15:00", reason: "" }).ok).toBe(false);
  });

  it("offers to move only jobs that have not finished", () => {
    const j = (status: JobStatus) => ({ status }) as Job;
    expect(movableJobs([j("scheduled"), j("completed"), j("delayed"), j("cancelled")]).map((x) => x.status)).toEqual(["scheduled", "delayed"]);
    expect(toLocalInput(new Date(2026, 11, 10, 9, 5).toISOString())).toBe("2026-12-10T09:05");
  });
});

describe("closing the loop from the record", () => {
  it("records a call's outcome with its note trimmed, and a promise kept or broken", () => {
    expect(buildAttempt("cus_1", "cb_1", "reached", "  spoke to her  ")).toEqual({
      type: "record_callback_attempt",
      customer_id: "cus_1",
      callback_id: "cb_1",
      outcome: "reached",
      note: "spoke to her",
    });
    expect(buildResolveCommitment("cus_1", "cm_1", "broken")).toMatchObject({ type: "resolve_commitment", status: "broken" });
  });
  it("lets a partner act only on its own items, retailer staff on any", () => {
    expect(canActOn("brightline", "brightline", true)).toBe(true);
    expect(canActOn("swiftparcel", "brightline", true)).toBe(false);
    expect(canActOn("swiftparcel", "northwind", false)).toBe(true);
  });
  it("offers the ticket moves the server allows, from the status the user saw", () => {
    expect(ticketMoves("open")).toEqual(["pending", "resolved", "closed"]);
    expect(ticketMoves("resolved")).toEqual(["open", "closed"]);
    expect(ticketMoves("closed")).toEqual([]);
    expect(ticketMoveLabel("resolved", "open")).toBe("Reopen");
    expect(ticketMoveLabel("open", "pending")).toBe("Waiting on the customer");
    const t = { id: "tkt_1", status: "pending" } as Parameters<typeof buildTicketStatus>[1];
    expect(buildTicketStatus("cus_1", t, "resolved")).toEqual({
      type: "set_ticket_status",
      customer_id: "cus_1",
      ticket_id: "tkt_1",
      status: "resolved",
      base_status: "pending",
    });
  });
  it("logs a conversation only with what was discussed", () => {
    expect(buildInteraction("cus_1", { channel: "chat", summary: " ", jobId: "", ticketId: "" })).toEqual({
      ok: false,
      error: "Say what was discussed.",
    });
    const built = buildInteraction("cus_1", { channel: "visit", summary: "Showed the bracket", jobId: "job_1", ticketId: "" }, "int_1");
    expect(built).toEqual({
      ok: true,
      intent: {
        type: "log_interaction",
        customer_id: "cus_1",
        interaction_id: "int_1",
        channel: "visit",
        summary: "Showed the bracket",
        job_id: "job_1",
        ticket_id: null,
      },
    });
  });
  it("records feedback in range, refusing a score out of range or with letters, never rounding it", () => {
    const f = { jobId: "job_1", csat: "", nps: "", comment: "", reasked: "" as const };
    expect(buildFeedback("c", { ...f, jobId: "" })).toMatchObject({ ok: false });
    expect(buildFeedback("c", { ...f, comment: "Lovely" })).toEqual({
      ok: false,
      error: "Give a score: satisfaction, likelihood to recommend, or both.",
    });
    expect(buildFeedback("c", { ...f, csat: "6" })).toEqual({ ok: false, error: "Satisfaction is a whole number from 1 to 5." });
    expect(buildFeedback("c", { ...f, csat: "4.5" })).toMatchObject({ ok: false });
    expect(buildFeedback("c", { ...f, nps: "ten" })).toMatchObject({ ok: false });
    expect(buildFeedback("c", { ...f, csat: " 5 ", nps: "0", comment: " tidy " }, "fb_1")).toEqual({
      ok: true,
      intent: { type: "record_feedback", customer_id: "c", feedback_id: "fb_1", job_id: "job_1", csat: 5, nps: 0, comment: "tidy", reasked: null },
    });
    // Re-asked details: the customer's answer, or nothing when not asked.
    expect(buildFeedback("c", { ...f, csat: "3", reasked: "yes" }, "fb_2")).toMatchObject({ ok: true, intent: { reasked: true } });
    expect(buildFeedback("c", { ...f, csat: "3", reasked: "no" }, "fb_3")).toMatchObject({ ok: true, intent: { reasked: false } });
  });
  it("sets what a contact is for and the consent given, as chosen", () => {
    expect(
      buildPreferences("c", "p", "cp", { purposes: ["appointments"], preferred: true, service: true, marketing: false }),
    ).toEqual({
      type: "set_contact_preferences",
      customer_id: "c",
      person_id: "p",
      contact_point_id: "cp",
      purposes: ["appointments"],
      preferred: true,
      consent: { service: true, marketing: false },
    });
  });
  it("sends a survey about the job or case chosen, and reads where it stands from the timeline", () => {
    expect(buildSurvey("c", { kind: "job", id: "job_1" }, "srv_1")).toEqual({
      type: "send_survey",
      customer_id: "c",
      survey_id: "srv_1",
      about: { kind: "job", id: "job_1" },
    });
    const entry = (over: Partial<TimelineEntry>): TimelineEntry => ({
      id: "t",
      at: "2026-12-01T10:00:00Z",
      kind: "note",
      org_id: "northwind",
      org_name: "Northwind Electricals",
      author: "Alice Carter (Northwind Electricals)",
      text: "",
      visibility: "shared",
      job_id: null,
      ticket_id: null,
      ...over,
    });
    const job = { kind: "job", id: "job_1" } as const;
    expect(surveyState([], job)).toEqual({ state: "none" });
    // A survey about another job, or a case, is not this job's.
    const other = [entry({ kind: "survey", job_id: "job_2" }), entry({ kind: "survey", ticket_id: "job_1" })];
    expect(surveyState(other, job)).toEqual({ state: "none" });
    const sent = [...other, entry({ kind: "survey", job_id: "job_1", at: "2026-12-01T11:00:00Z" })];
    expect(surveyState(sent, job)).toEqual({ state: "sent", at: "2026-12-01T11:00:00Z" });
    // An agent's feedback is not the survey's answer; the customer's is.
    const agent = entry({ kind: "feedback", job_id: "job_1", text: "Feedback on J-1 by Brightline: CSAT 5/5." });
    expect(surveyState([...sent, agent], job).state).toBe("sent");
    const text = "The customer answered the survey on J-1 by Brightline: CSAT 4/5. Tidy";
    const answered = entry({ kind: "feedback", job_id: "job_1", at: "2026-12-02T09:00:00Z", text });
    expect(surveyState([...sent, agent, answered], job)).toEqual({ state: "answered", at: "2026-12-02T09:00:00Z", text });
    expect(surveyState([entry({ kind: "survey", ticket_id: "tkt_1" })], { kind: "ticket", id: "tkt_1" }).state).toBe("sent");
  });
});
