import type { ContactPerson } from "./bindings/ContactPerson";

export interface Who {
  /** The person to ask for. */
  name: string;
  /** The number to call them on (E.164), when the user may see one. */
  phone: string | null;
  /** The account holder's name when that is someone else. */
  account: string | null;
}

/** Whom a row tells the user to contact: the job's contact, else the customer. */
export function whoToContact(customerName: string, contact: ContactPerson | null): Who {
  if (!contact) return { name: customerName, phone: null, account: null };
  return {
    name: contact.name,
    phone: contact.phone,
    account: contact.name === customerName || customerName === "" ? null : customerName,
  };
}
