/** Run-time twin of the spelling rules in types/options.ts: the same checks, the same messages. */
import type { OptionKind, OptionSpec } from '../../types/options.ts'
import { fail } from './errors.ts'

export type { OptionKind, OptionSpec }

/** A value as messages show it (mirror of ValueText in types/options.ts). */
export const valueText = (value: unknown): string => {
  if (typeof value === 'string') return `'${value}'`
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(value)
}

const tupleText = (rank: number) => (rank === 1 ? '[number]' : rank === 2 ? '[number, number]' : `${rank} numbers`)
const kindText = (kind: OptionKind, rank: number): string =>
  kind === 'count'
    ? 'a number'
    : kind === 'flag'
      ? 'true or false'
      : kind === 'mode'
        ? "'nearest' or 'bilinear'"
        : kind === 'axes'
          ? 'a number or an array of numbers'
        : kind === 'padding'
          ? `a number, ${tupleText(rank)}, 'same' or 'valid'`
          : `a number or ${tupleText(rank)}`

const spelledRight = (value: unknown, kind: OptionKind, op: string, name: string, rank: number): boolean => {
  if (kind === 'flag') return typeof value === 'boolean'
  if (kind === 'mode') return value === 'nearest' || value === 'bilinear'
  if (kind === 'axes') return typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'number'))
  if (typeof value === 'number') return true
  if (value === 'same' || value === 'valid') return kind === 'padding'
  if (kind === 'count' || !Array.isArray(value) || !value.every((v) => typeof v === 'number')) return false
  if (value.length !== 1 && value.length !== rank)
    fail(`${op}: ${name} has ${value.length} values for ${rank} spatial ${rank === 1 ? 'axis' : 'axes'}; give one (used on every axis) or ${rank}`)
  return true
}

/** Unknown keys (with the known ones listed), then required keys (mirror of CheckKeys). */
export const checkKeys = (op: string, options: unknown, spec: OptionSpec, required: readonly string[]): void => {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(`${op}: options must be an object, got ${valueText(options)}`)
  const record = options as Record<string, unknown>
  const known = spec.map(([name]) => name)
  const unknown = Object.keys(record).find((key) => !known.includes(key))
  if (unknown !== undefined) fail(`${op}: unknown option '${unknown}' (known: ${known.join(', ')})`)
  for (const name of required) if (!(name in record)) fail(`${op}: ${name} is required`)
}

/**
 * The kind of each value and tuple lengths (1 means every axis, as in
 * PyTorch), in the spec's order (mirror of CheckSpelling). Values themselves
 * (positive, integer) are the shape rules' business.
 */
export const checkSpelling = (op: string, options: object, spec: OptionSpec, rank: number): void => {
  const record = options as Record<string, unknown>
  for (const [name, kind] of spec) {
    const value = record[name]
    if (value !== undefined && !spelledRight(value, kind, op, name, rank)) fail(`${op}: ${name} must be ${kindText(kind, rank)}, got ${valueText(value)}`)
  }
}

/** Keys and values, where an op is built: a misspelled option fails at the call that wrote it. */
export const checkOptionsSpelling = (op: string, options: unknown, spec: OptionSpec, required: readonly string[], rank: number): void => {
  checkKeys(op, options, spec, required)
  checkSpelling(op, options as object, spec, rank)
}
