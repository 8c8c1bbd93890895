// TypeScript types generated from Baton's OpenAPI document (openapi-typescript),
// used as an integrator would: sign in, write a note with POST /v1/mutations,
// and read it back on a page of the change feed. `api.ts` is generated next to
// this file by crates/baton-server/tests/contract.rs; `tsc --strict` checks
// every value below against it before the program runs.
import type { components, paths } from "./api.js";

type Schemas = components["schemas"];
type LoginBody = paths["/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"];
type MutationBody = paths["/v1/mutations"]["post"]["requestBody"]["content"]["application/json"];
type AddNote = Extract<Schemas["Intent"], { type: "add_note" }>;

declare const process: { argv: string[]; exitCode?: number };

const [base, username, password, customer] = process.argv.slice(2) as [string, string, string, string];
let token = "";

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    const error = (await res.json()) as Schemas["ApiError"];
    throw new Error(`${method} ${path}: ${res.status} ${error.code}: ${error.message}`);
  }
  return (await res.json()) as T;
}

async function main(): Promise<void> {
  const login: LoginBody = { username, password };
  const session = await call<Schemas["LoginResponse"]>("POST", "/v1/auth/login", login);
  token = session.token;

  let page = await call<Schemas["ChangesPage"]>("GET", "/v1/sync/changes?after=0");
  let cursor = page.cursor;
  while (page.has_more) {
    page = await call<Schemas["ChangesPage"]>("GET", `/v1/sync/changes?after=${cursor}&epoch=${page.epoch}`);
    cursor = page.cursor;
  }

  const noteId = `note-${crypto.randomUUID()}`;
  const text = `Written by a TypeScript client (${noteId})`;
  const intent: AddNote = { type: "add_note", customer_id: customer, note_id: noteId, text };
  const request: MutationBody = { id: crypto.randomUUID(), intent };
  const result = await call<Schemas["MutationResult"]>("POST", "/v1/mutations", request);
  if (result.outcome !== "applied") {
    throw new Error(`the write answered ${JSON.stringify(result)}`);
  }
  if (result.seq <= cursor) throw new Error(`applied at ${result.seq}, not after ${cursor}`);

  const next = await call<Schemas["ChangesPage"]>("GET", `/v1/sync/changes?after=${cursor}&epoch=${page.epoch}`);
  // The note travels as one history item of the customer (protocol 2), typed as such.
  const carrying = next.changes.filter(
    (c) => c.op === "history_item" && c.customer_id === customer && c.item.kind === "timeline" && c.item.entry.text === text,
  );
  if (carrying.length === 0) throw new Error(`no change after ${cursor} carries the note: ${JSON.stringify(next)}`);
  console.log(`typescript client: note applied at seq ${result.seq}, read back in a page of ${next.changes.length} changes`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
