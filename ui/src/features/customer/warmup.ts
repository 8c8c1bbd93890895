// A made-up record the console lays out once, off screen, at start-up: the
// first record a user opens then finds the record view's code already compiled
// by the webview (see CustomerRecord's `warm`). Nothing here is anyone's data,
// and nothing is sent anywhere.
import type { ContactPoint } from "../../lib/bindings/ContactPoint";
import type { CustomerView } from "../../lib/bindings/CustomerView";

export function warmView(now: Date = new Date()): CustomerView {
  const at = now.toISOString();
  const contact = (id: string, kind: "phone" | "email", label: string, value: string): ContactPoint => ({
    id,
    kind,
    label,
    value,
    preferred: kind === "phone",
    updated_at: at,
    updated_by: "Baton",
    purposes: kind === "phone" ? ["appointments"] : ["confirmations"],
    consent: { service: true, marketing: false },
  });
  return {
    customer: {
      id: "warm-up",
      number: "C-0",
      display_name: "Warm-up",
      people: [
        {
          id: "warm-person",
          name: "Warm-up",
          roles: ["account_holder", "site_contact"],
          contacts: [contact("warm-phone", "phone", "mobile", "+447700900000"), contact("warm-email", "email", "personal", "warm@example.invalid")],
        },
      ],
      addresses: [{ id: "warm-address", purpose: "installation", line1: "1 Example Street", line2: null, city: "Town", postcode: "AB1 2CD" }],
      orders: [],
      tickets: [],
      callbacks: [],
      commitments: [],
      confirmations: [],
      timeline: [
        {
          id: "warm-entry",
          at,
          kind: "note",
          org_id: "warm-org",
          org_name: "Baton",
          author: "Baton",
          text: "Warm-up",
          visibility: "shared",
          job_id: null,
          ticket_id: null,
        },
      ],
      updated_at: at,
      time_zone: null,
    },
    jobs: [
      {
        id: "warm-job",
        number: "J-0",
        customer_id: "warm-up",
        org_id: "warm-org",
        org_name: "Baton",
        kind: "installation",
        status: "scheduled",
        summary: "Warm-up",
        contact_person_id: "warm-person",
        address_id: "warm-address",
        order_id: null,
        appointment_start: at,
        appointment_end: at,
        updated_at: at,
      },
    ],
    edits: [],
    last_viewed_at: null,
    changes: [],
    job_moves: [{ job_id: "warm-job", next: ["en_route", "completed"] }],
    older_history: false,
  };
}
