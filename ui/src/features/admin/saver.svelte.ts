// What every form about one organisation does on save: one request at a time,
// its error in words or a notice of what was done, the saved organisation
// handed back. The fields stay as typed on any error.
import { BackendError } from "../../lib/backend";
import type { AdminOrg } from "../../lib/bindings/AdminOrg";

export class OrgSaver {
  busy = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);

  constructor(private readonly onSaved: (org: AdminOrg) => void) {}

  /** Runs `what`; on success hands the organisation on and says `done`. */
  async run(what: () => Promise<AdminOrg>, done: string): Promise<void> {
    this.busy = true;
    this.clear();
    try {
      this.onSaved(await what());
      this.notice = done;
    } catch (err: unknown) {
      this.failed(err);
    } finally {
      this.busy = false;
    }
  }

  failed(err: unknown): void {
    this.error = err instanceof BackendError ? err.message : String(err);
  }

  clear(): void {
    this.error = null;
    this.notice = null;
  }
}
