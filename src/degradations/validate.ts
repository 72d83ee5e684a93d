/**
 * Validation of params that come from outside (a --params file, a manifest row), against each operator's
 * documented schema. Messages name the field, the expectation and the value (design.md §5). Reject, don't clamp.
 */
import type { AnySpec } from './spec.js';
import { ConfigError, type FieldProblem } from '../errors.js';

export function validateParams(op: AnySpec, params: unknown, prefix = op.id): Record<string, unknown> {
  const problems: FieldProblem[] = [];
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ConfigError([{ path: prefix, message: `expected an object of params, received ${JSON.stringify(params)}` }]);
  }
  const p = params as Record<string, unknown>;
  for (const doc of op.params) {
    const v = p[doc.name];
    const path = `${prefix}.${doc.name}`;
    if (v === undefined || v === null) {
      if (!doc.optional) problems.push({ path, message: `required (${doc.doc})` });
      continue;
    }
    switch (doc.type) {
      case 'number':
      case 'integer': {
        const ok = typeof v === 'number' && Number.isFinite(v) && (doc.type === 'number' || Number.isInteger(v));
        const inRange = ok && (!doc.range || ((v as number) >= doc.range[0] && (v as number) <= doc.range[1]));
        if (!ok || !inRange) {
          const what = `${doc.type}${doc.range ? ` ${doc.range[0]}-${doc.range[1]}` : ''}`;
          problems.push({ path, message: `expected ${what}, received ${JSON.stringify(v)}` });
        }
        break;
      }
      case 'string':
        if (typeof v !== 'string' || (doc.values && !doc.values.includes(v))) {
          problems.push({ path, message: `expected ${doc.values ? `one of ${doc.values.join(', ')}` : 'a string'}, received ${JSON.stringify(v)}` });
        }
        break;
      case 'boolean':
        if (typeof v !== 'boolean') problems.push({ path, message: `expected true or false, received ${JSON.stringify(v)}` });
        break;
      case 'array':
        if (!Array.isArray(v)) problems.push({ path, message: `expected an array, received ${JSON.stringify(v)}` });
        break;
      case 'object':
        if (typeof v !== 'object' || Array.isArray(v)) problems.push({ path, message: `expected an object, received ${JSON.stringify(v)}` });
        break;
    }
  }
  const known = new Set(op.params.map((d) => d.name));
  for (const k of Object.keys(p)) if (!known.has(k)) problems.push({ path: `${prefix}.${k}`, message: `unknown parameter (known: ${[...known].join(', ')})` });
  if (problems.length) throw new ConfigError(problems);
  return p;
}
