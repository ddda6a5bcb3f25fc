// What every failed backend call throws. Its own module so that api.ts and the
// generated command wrappers (generated/commands.ts) both use it without a cycle.

import type { AppError, ErrorCode, FileProblem } from "./bindings";

/** What every failed call throws: the backend's `{code, message}`. */
export class ApiError extends Error implements AppError {
  code: ErrorCode;
  /** An add that found unstorable files: each one. */
  problems?: FileProblem[];
  constructor(e: AppError) {
    super(e.message);
    this.code = e.code;
    if (e.problems?.length) this.problems = e.problems;
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const problems = "problems" in e && Array.isArray(e.problems) ? (e.problems as FileProblem[]) : undefined;
    // The backend's errors carry an ErrorCode (generated from the Rust enum).
    return new ApiError({ code: String(e.code) as ErrorCode, message: String(e.message), problems });
  }
  return new ApiError({ code: "internal", message: `Something went wrong inside the app (${String(e)}). Try again.` });
}
