/**
 * Validation of params that come from outside (a --params file, a manifest row, a recipe's `fixed`), against each
 * operator's schema, at every depth (chain steps against the operator they name). Messages name the dotted field,
 * what was expected and the value (design.md §5). Reject, don't clamp.
 */
import type { AnySpec } from './spec.js';
import { ConfigError } from '../errors.js';
import { check, problems, shown } from '../schema.js';

export function validateParams(op: AnySpec, params: unknown, prefix = op.id): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ConfigError([{ path: prefix, message: `expected an object of params, received ${shown(params)}` }]);
  }
  return check(op.schema, params, prefix) as Record<string, unknown>;
}

/** The problems of a partial set of params (a recipe's `fixed`): each given key checked, none required. */
export function fixedProblems(op: AnySpec, fixed: Record<string, unknown>, prefix: string) {
  return problems(op.schema.partial(), fixed, prefix);
}
