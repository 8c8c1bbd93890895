// The one typed path from the UI to the Rust side. Every command and event the UI
// uses is declared here with types generated from the Rust definitions
// (src/lib/bindings, written by `cargo test`): no `any` crosses IPC.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { BusinessCalendar } from "../bindings/BusinessCalendar";
import type { AdminOrg } from "../bindings/AdminOrg";
import type { AdminUser } from "../bindings/AdminUser";
import type { ApiError } from "../bindings/ApiError";
import type { ApiKey } from "../bindings/ApiKey";
import type { ApiKeyIssued } from "../bindings/ApiKeyIssued";
import type { ImportFormat } from "../bindings/ImportFormat";
import type { ImportKind } from "../bindings/ImportKind";
import type { ImportReport } from "../bindings/ImportReport";
import type { NewApiKey } from "../bindings/NewApiKey";
import type { NewWebhook } from "../bindings/NewWebhook";
import type { Webhook } from "../bindings/Webhook";
import type { WebhookCreated } from "../bindings/WebhookCreated";
import type { WebhookDelivery } from "../bindings/WebhookDelivery";
import type { Invitation } from "../bindings/Invitation";
import type { NewPartner } from "../bindings/NewPartner";
import type { NewUser } from "../bindings/NewUser";
import type { OpenWork } from "../bindings/OpenWork";
import type { OrgUpdate } from "../bindings/OrgUpdate";
import type { SessionsEnded } from "../bindings/SessionsEnded";
import type { UserUpdate } from "../bindings/UserUpdate";
import type { CustomerView } from "../bindings/CustomerView";
import type { DuplicateCandidate } from "../bindings/DuplicateCandidate";
import type { MergeRecord } from "../bindings/MergeRecord";
import type { Presence } from "../bindings/Presence";
import type { PresenceActivity } from "../bindings/PresenceActivity";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { FollowUpFilter } from "../bindings/FollowUpFilter";
import type { FollowUpRef } from "../bindings/FollowUpRef";
import type { FollowUpRow } from "../bindings/FollowUpRow";
import type { Intent } from "../bindings/Intent";
import type { JobBoardFilter } from "../bindings/JobBoardFilter";
import type { JobRow } from "../bindings/JobRow";
import type { ConfirmationTemplate } from "../bindings/ConfirmationTemplate";
import type { OrgProfile } from "../bindings/OrgProfile";
import type { Scorecard } from "../bindings/Scorecard";
import type { ScorecardPeriod } from "../bindings/ScorecardPeriod";
import type { ScorecardFigure } from "../bindings/ScorecardFigure";
import type { ScorecardItems } from "../bindings/ScorecardItems";
import type { ScreenPop } from "../bindings/ScreenPop";
import type { TicketFilter } from "../bindings/TicketFilter";
import type { TicketRow } from "../bindings/TicketRow";
import type { QueueAction } from "../bindings/QueueAction";
import type { QueueCounts } from "../bindings/QueueCounts";
import type { Resolution } from "../bindings/Resolution";
import type { SearchHit } from "../bindings/SearchHit";
import type { SessionInfo } from "../bindings/SessionInfo";
import type { SessionState } from "../bindings/SessionState";
import type { SyncStatus } from "../bindings/SyncStatus";

/** A failed command, with the server's or client's machine-readable code. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e: unknown) {
    if (isApiError(e)) throw new BackendError(e.code, e.message);
    throw new BackendError("internal", String(e));
  }
}

export const backend = {
  sessionGet: () => call<SessionState>("session_get"),
  signIn: (serverUrl: string, username: string, password: string) =>
    call<SessionInfo>("sign_in", { serverUrl, username, password }),
  /** Sets a password with an administrator's one-time code, and signs in. */
  acceptInvite: (serverUrl: string, code: string, password: string) =>
    call<SessionInfo>("accept_invite", { serverUrl, code, password }),
  /** Sends queued edits first; rejects with code `unsynced` if some cannot go, unless told to discard them. */
  signOut: (discardUnsynced: boolean) => call<null>("sign_out", { discardUnsynced }),
  search: (query: string) => call<SearchHit[]>("search", { query }),
  customerGet: (id: string) => call<CustomerView>("customer_get", { id }),
  /** Opening a record: "changed since you looked" now compares against the previous opening. */
  customerOpen: (id: string) => call<CustomerView>("customer_open", { id }),
  /** The record with its whole history from the server (the console keeps the recent part). */
  customerHistoryLoad: (id: string) => call<CustomerView>("customer_history_load", { id }),
  /** Any edit from the record; returns the record with the edit's sync state. */
  editSubmit: (intent: Intent) => call<CustomerView>("edit_submit", { intent }),
  orgs: () => call<OrgProfile[]>("orgs_list"),
  /** The retailer's confirmation templates; a partner sends only these. */
  confirmationTemplates: () => call<ConfirmationTemplate[]>("confirmation_templates_list"),
  screenPopTake: () => call<ScreenPop | null>("screen_pop_take"),
  tickets: (filter: TicketFilter) => call<TicketRow[]>("tickets_list", { filter }),
  jobsBoard: (filter: JobBoardFilter) => call<JobRow[]>("jobs_board", { filter }),
  /** Likely duplicates of a customer, for the merge review (retailer staff; needs the connection). */
  duplicates: (customerId: string) => call<DuplicateCandidate[]>("duplicates_list", { customerId }),
  /** The merges into a customer, newest first, to undo one (needs the connection). */
  merges: (customerId: string) => call<MergeRecord[]>("merges_list", { customerId }),
  /** Says the user is on a record and answers who else is (needs the connection). */
  presence: (customerId: string, activity: PresenceActivity, contactPointId: string | null = null) =>
    call<Presence[]>("presence_update", { customerId, activity, contactPointId }),
  /** Partner scorecards from the server (needs the connection). */
  scorecards: (period: ScorecardPeriod = {}) => call<Scorecard[]>("scorecards_list", { period }),
  /** The items behind one figure of a partner's scorecard (needs the connection). */
  scorecardItems: (orgId: string, figure: ScorecardFigure, period: ScorecardPeriod) =>
    call<ScorecardItems>("scorecards_items", { orgId, figure, period }),
  /** One partner's scorecard week by week, oldest first (needs the connection). */
  scorecardTrend: (orgId: string, weeks: number) => call<Scorecard[]>("scorecards_trend", { orgId, weeks }),
  /** Saves an export in the user's Downloads folder; answers where. */
  exportSave: (fileName: string, contents: string) => call<string>("export_save", { fileName, contents }),
  contactUpdate: (customerId: string, personId: string, contactPointId: string, value: string) =>
    call<CustomerView>("contact_update", { customerId, personId, contactPointId, value }),
  editResolve: (mutationId: string, resolution: Resolution) =>
    call<CustomerView>("edit_resolve", { mutationId, resolution }),
  followUps: (filter: FollowUpFilter) => call<FollowUpRow[]>("follow_ups_list", { filter }),
  queueCounts: () => call<QueueCounts[]>("queue_counts"),
  followUpsAct: (items: FollowUpRef[], action: QueueAction) => call<number>("follow_ups_act", { items, action }),
  syncStatus: () => call<SyncStatus>("sync_status"),
  syncNow: () => call<null>("sync_now"),
  // Administration (admins; needs the connection).
  adminOrgs: () => call<AdminOrg[]>("admin_orgs"),
  adminOrgCreate: (org: NewPartner) => call<AdminOrg>("admin_org_create", { new: org }),
  adminOrgUpdate: (id: string, change: OrgUpdate) => call<AdminOrg>("admin_org_update", { id, change }),
  adminOpenWork: (id: string) => call<OpenWork>("admin_open_work", { id }),
  adminSetCalendar: (id: string, calendar: BusinessCalendar) => call<AdminOrg>("admin_set_calendar", { id, calendar }),
  adminClearCalendar: (id: string) => call<AdminOrg>("admin_clear_calendar", { id }),
  adminUsers: () => call<AdminUser[]>("admin_users"),
  adminUserInvite: (user: NewUser) => call<Invitation>("admin_user_invite", { new: user }),
  adminUserUpdate: (id: string, change: UserUpdate) => call<AdminUser>("admin_user_update", { id, change }),
  adminUserResetPassword: (id: string) => call<Invitation>("admin_user_reset_password", { id }),
  adminUserRevokeSessions: (id: string) => call<SessionsEnded>("admin_user_revoke_sessions", { id }),
  adminApiKeys: () => call<ApiKey[]>("admin_api_keys"),
  /** The secret is in this answer only. */
  adminApiKeyCreate: (key: NewApiKey) => call<ApiKeyIssued>("admin_api_key_create", { new: key }),
  adminApiKeyRevoke: (id: string) => call<ApiKey>("admin_api_key_revoke", { id }),
  adminWebhooks: () => call<Webhook[]>("admin_webhooks"),
  /** The signing secret is in this answer only. */
  adminWebhookCreate: (hook: NewWebhook) => call<WebhookCreated>("admin_webhook_create", { new: hook }),
  adminWebhookDisable: (id: string) => call<Webhook>("admin_webhook_disable", { id }),
  adminWebhookDeliveries: (id: string) => call<WebhookDelivery[]>("admin_webhook_deliveries", { id }),
  adminWebhookReplay: (id: string) => call<WebhookDelivery>("admin_webhook_replay", { id }),
  /** Sends a file the administrator chose to the server's import (its contents, as text). */
  adminImportStart: (kind: ImportKind, format: ImportFormat, file: string) =>
    call<ImportReport>("admin_import_start", { kind, format, file }),
  adminImports: () => call<ImportReport[]>("admin_imports"),
  adminImportGet: (id: string) => call<ImportReport>("admin_import_get", { id }),
  /** Whether this desktop opens phone (tel:) links in Baton. */
  telLinks: () => call<boolean>("tel_links_get"),
  setTelLinks: (on: boolean) => call<boolean>("tel_links_set", { on }),
};

export const events = {
  onSyncStatus: (handler: (status: SyncStatus) => void): Promise<UnlistenFn> =>
    listen<SyncStatus>("sync-status", (e) => handler(e.payload)),
  /** Ids of customers whose record changed; empty means "refresh whatever you show". */
  onCustomersChanged: (handler: (ids: string[]) => void): Promise<UnlistenFn> =>
    listen<string[]>("customers-changed", (e) => handler(e.payload)),
  /** A softphone link is waiting: take it with `backend.screenPopTake()`. */
  onScreenPop: (handler: () => void): Promise<UnlistenFn> => listen<null>("screen-pop", () => handler()),
  /** The system-wide search shortcut was pressed. */
  onFocusSearch: (handler: () => void): Promise<UnlistenFn> => listen<null>("focus-search", () => handler()),
  /** A callback the user owns just came due (also shown as an OS notification). */
  onCallbackDue: (handler: (row: FollowUpRow) => void): Promise<UnlistenFn> =>
    listen<FollowUpRow>("callback-due", (e) => handler(e.payload)),
};
