/** The outcome of one doctor check: one line, with what to change when it failed. */
export interface DoctorCheck {
  readonly ok: boolean;
  /** What was checked and what was found, e.g. `POST http://127.0.0.1:8000/mcp without a token → 401 with resource_metadata`. */
  readonly label: string;
  /** For a failed check: what to change. */
  readonly fix?: string;
}

export const pass = (label: string): DoctorCheck => ({ ok: true, label });
export const fail = (label: string, fix: string): DoctorCheck => ({ ok: false, label, fix });
