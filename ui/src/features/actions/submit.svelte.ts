// What every record form does on submit: build the intent from the fields, show
// what is missing, or queue it and hand the updated record back. The fields stay
// as typed on any error, so nothing is lost.
import { backend, BackendError } from "../../lib/backend";
import type { CustomerView } from "../../lib/bindings/CustomerView";
import type { Built } from "./actions";

export class EditSubmitter {
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly onDone: (view: CustomerView) => void) {}

  /** For a form's `onsubmit`: `build` turns its fields into the intent, or says what to fix. */
  async submit(e: SubmitEvent, build: () => Built): Promise<void> {
    e.preventDefault();
    const built = build();
    if (!built.ok) {
      this.error = built.error;
      return;
    }
    this.busy = true;
    try {
      this.onDone(await backend.editSubmit(built.intent));
      this.error = null;
    } catch (err: unknown) {
      this.error = err instanceof BackendError ? err.message : String(err);
    } finally {
      this.busy = false;
    }
  }
}
