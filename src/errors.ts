/**
 * The few error classes uir uses. Library code throws these; only bin/ catches them and maps them to exit codes.
 * Anything else that escapes is a bug and is printed with its stack.
 */

/**
 * Messages name the options they are about as {field} (`{maskRatio}: expected 0 <= ratio < 1`): read from the
 * library, the field's name is printed (`maskRatio: ...`); the CLI prints its flag instead (`--mask-ratio: ...`,
 * src/cli/options.ts flagFor). `template` keeps the text with its placeholders.
 */
export function renderFields(text: string, name: (field: string) => string = (f) => f): string {
  return text.replace(/\{([a-zA-Z][\w.]*)\}/g, (_, f: string) => name(f));
}

/** The base of uir's errors: a message that may name option fields as {field}. */
export class UirError extends Error {
  readonly template: string;
  constructor(text: string, options?: { cause?: unknown }) {
    super(renderFields(text), options);
    this.template = text;
  }
  /** The message with each field named by `name` (the CLI passes its flag names). */
  renderWith(name: (field: string) => string): string { return renderFields(this.template, name); }
}

/** Wrong options or arguments (exit 2). */
export class UsageError extends UirError {
  override name = 'UsageError';
}

/** A problem with one field of a configuration (recipe, params file, operator params). */
export interface FieldProblem { path: string; message: string }

/** Invalid configuration: carries every field problem found (exit 3). */
export class ConfigError extends UirError {
  override name = 'ConfigError';
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[] | string, options?: { cause?: unknown }) {
    const list = typeof problems === 'string' ? [{ path: '', message: problems }] : problems;
    super(list.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '), options);
    this.problems = list;
  }
}

/** Bad input data: unreadable, truncated or non-image files, pixel limits, missing paths (exit 4). */
export class InputError extends UirError {
  override name = 'InputError';
}

/** The output location cannot be written (read-only, full disk) (exit 5). */
export class OutputError extends UirError {
  override name = 'OutputError';
}

/** Not enough memory for the work asked (an image pass, a batch): says what to lower (exit 6). */
export class ResourceError extends UirError {
  override name = 'ResourceError';
}

/** Another command holds the dataset (its lock): names the holder (exit 7). */
export class BusyError extends UirError {
  override name = 'BusyError';
}

/** A long job was stopped by the user (Ctrl-C); what was done is kept (exit 130, as shells report SIGINT). */
export class InterruptedError extends UirError {
  override name = 'InterruptedError';
}

/** A check found problems (e.g. `uir manifest verify`); the report was already printed (exit 1). */
export class CheckFailedError extends UirError {
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
