/**
 * The few error classes uir uses. Library code throws these; only bin/ catches them and maps them to exit codes.
 * Anything else that escapes is a bug and is printed with its stack.
 */

/** Wrong flags or arguments on the command line (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A problem with one field of a configuration (recipe, params file, operator params). */
export interface FieldProblem { path: string; message: string }

/** Invalid configuration: carries every field problem found (exit 3). */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[] | string, options?: { cause?: unknown }) {
    const list = typeof problems === 'string' ? [{ path: '', message: problems }] : problems;
    super(list.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '), options);
    this.problems = list;
  }
}

/** Bad input data: unreadable, truncated or non-image files, pixel limits, missing paths (exit 4). */
export class InputError extends Error {
  override name = 'InputError';
}

/** The output location cannot be written (read-only, full disk) (exit 5). */
export class OutputError extends Error {
  override name = 'OutputError';
}

/** Not enough memory for the work asked (an image pass, a batch): says what to lower (exit 6). */
export class ResourceError extends Error {
  override name = 'ResourceError';
}

/** Another command holds the dataset (its lock): names the holder (exit 7). */
export class BusyError extends Error {
  override name = 'BusyError';
}

/** A long job was stopped by the user (Ctrl-C); what was done is kept (exit 130, as shells report SIGINT). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** A check found problems (e.g. `uir manifest verify`); the report was already printed (exit 1). */
export class CheckFailedError extends Error {
  override name = 'CheckFailedError';
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof InterruptedError) return 130;
  if (err instanceof CheckFailedError) return 1;
  if (err instanceof UsageError) return 2;
  if (err instanceof ConfigError) return 3;
  if (err instanceof InputError) return 4;
  if (err instanceof OutputError) return 5;
  if (err instanceof ResourceError) return 6;
  if (err instanceof BusyError) return 7;
  return 70; // EX_SOFTWARE: a bug
}

/** "jpeg.quality: expected integer 5-95, received 120" */
export function rangeMessage(field: string, expected: string, received: unknown): string {
  return `${field}: expected ${expected}, received ${JSON.stringify(received)}`;
}
