/**
 * Each shape rule's message is written once: a function that builds the text
 * and a type of the same name derived from it, used by the type-level rule
 * (`ShapeError<channelMismatch<…>>`) and by its run-time twin
 * (`fail(channelMismatch(…))`). These checks read the sources so that a
 * message written out again, in a type or in a twin, is caught here.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { channelMismatch, groupsNote, weightLayout } from '../../src/shape/conv.ts'
import { ShapeError, expectsInput, layoutText, shapeText } from '../../src/shape/errors.ts'
import { convShape } from '../../src/shape/conv.ts'
import { poolShape } from '../../src/shape/pool.ts'
import type { ConvShape, ShapeError as TypeShapeError } from '../../types/index.ts'

const root = new URL('../../', import.meta.url)
const ruleFiles = [
  ...readdirSync(new URL('src/shape/', root)).filter((f) => f.endsWith('.ts')).map((f) => `src/shape/${f}`),
  'src/nn/losses.ts',
  'src/ops/local-response-norm.ts',
]
const source = (file: string) => readFileSync(new URL(file, root), 'utf8')

describe('messages written once', () => {
  it('no type-level rule spells a message inline: every ShapeError names a message type', () => {
    const inline = ruleFiles.flatMap((file) =>
      source(file)
        .split('\n')
        .map((line, i) => ({ where: `${file}:${i + 1}`, line }))
        .filter(({ line }) => /ShapeError<\s*[`'"]/.test(line)),
    )
    // A message only the type level can give (a union of literals) is a named type too.
    expect(inline).toEqual([])
  })

  it('every message type is derived from the function of the same name, not written again', () => {
    let counted = 0
    for (const file of ruleFiles) {
      const text = source(file)
      // A message is a function (`const name = <…>(…) => \`…\` as const`) or a constant string.
      const values = [...text.matchAll(/^(?:export )?const ([a-z]\w*) = (?:<[^\n]*?>)?[('`]/gm)].map((m) => m[1])
      const messages = values.filter((name) => new RegExp(`^(?:export )?type ${name}\\b`, 'm').test(text))
      for (const name of messages) {
        const alias = new RegExp(`^(?:export )?type ${name}(?:<[^>]*>)?\\s*=\\s*([^\\n]*)`, 'm').exec(text)
        expect(alias?.[1], `${file}: type ${name}`).toMatch(new RegExp(`^(ReturnType<typeof ${name}<|typeof ${name}$)`))
      }
      counted += messages.length
    }
    // The 45 pairs of the shape, dtype, block and loss rules (a regex that found none would pass above).
    expect(counted).toBeGreaterThanOrEqual(45)
  })

  it('the type and the value of a message agree, and the rule and its twin throw it', () => {
    const typed: channelMismatch<'conv2d', 4, 2, ' (groups 2 × 1 channels per group)'> = channelMismatch('conv2d', 4, 2, groupsNote(2, 1))
    expect(typed).toBe('conv2d: input has 4 channels but weight expects 2 (groups 2 × 1 channels per group)')
    type Rule = ConvShape<'conv2d', 2, [1, 4, 8, 8], [4, 1, 3, 3], undefined, { groups: 2 }>
    const fromRule: Rule extends TypeShapeError<infer M> ? M : never = typed
    expect(() => convShape('conv2d', 2, [1, 4, 8, 8], [4, 1, 3, 3], undefined, { groups: 2 })).toThrow(new ShapeError(fromRule))
    expect(weightLayout('convTranspose1d', 'transposed', 1, shapeText([2, 3]))).toBe('convTranspose1d: weight must be [Ci, Co/groups, 1 kernel dims], got [2, 3]')
    expect(() => poolShape('maxPool1d', 1, [1, 2], { kernelSize: 2 })).toThrow(new ShapeError(expectsInput('maxPool1d', layoutText(1), '[1, 2]')))
    expect(layoutText(3)).toBe('[N, C, D, H, W]')
    expect(layoutText(4)).toBe('[N, C, …4 spatial dims]')
  })
})
