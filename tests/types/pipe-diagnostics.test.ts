/**
 * The diagnostic a user sees for a shape mistake inside a pipe: with shapewise's `pipe`, one
 * error, on the offending layer, whose first line is the rule's message; with fp-ts's `pipe`,
 * the first line names fp-ts's parameter type (why shapewise has its own `pipe`). Each case is
 * written to a file and compiled alone with the project's options and TypeScript 7's tsc.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const work = `${root}node_modules/.cache/shapewise-pipe-diagnostics/`

/** The `error TS…` lines tsc prints for a module whose body is `body` (the lines after each are the elaboration). */
/** TypeScript 7 (the project's tsc) and 5.9 (the one tsd bundles). */
const compilers = {
  'TypeScript 7': [`${root}node_modules/.bin/tsc`],
  'TypeScript 5.9 (tsd)': [process.execPath, `${root}node_modules/@tsd/typescript/typescript/bin/tsc`],
} as const

const diagnostics = (name: string, body: string, [command, ...args]: readonly string[] = compilers['TypeScript 7']): string[] => {
  mkdirSync(work, { recursive: true })
  const file = `${work}${name}.ts`
  writeFileSync(
    file,
    `import { pipe as fpPipe } from 'fp-ts/lib/function.js'
import { pipe, randn, conv2d, maxPool2d, relu, add, type Tensor } from '${root}src/index.ts'
const p = { conv1: { weight: randn([10, 1, 5, 5]), bias: randn([10]) }, conv2: { weight: randn([20, 6, 5, 5]), bias: randn([20]) } }
export { fpPipe, pipe, randn, conv2d, maxPool2d, relu, add, p }
export type { Tensor }
${body}
`,
  )
  const config = `${work}${name}.tsconfig.json`
  writeFileSync(config, JSON.stringify({ extends: `${root}tsconfig.json`, include: [], files: [file] }))
  let out = ''
  try {
    out = execFileSync(command, [...args, '-p', config, '--pretty', 'false'], { encoding: 'utf8' })
  } catch (error) {
    out = (error as { stdout: string }).stdout
  }
  return out.split('\n').filter((line) => line.includes('error TS'))
}

// The mistake of the issue: a conv expecting 6 channels after one that gives 10. Line 6 of the file is the first line of `body`.
const mistake = (pipeName: string) => `export const net = <N extends number>(x: Tensor<[N, 1, 28, 28]>) => {
  const y = ${pipeName}(
    x,
    conv2d(p.conv1),
    maxPool2d({ kernelSize: 2 }),
    conv2d(p.conv2),
    relu,
  )
  return add(y, y)
}`

describe('a shape mistake inside a pipe', () => {
  for (const [compiler, command] of Object.entries(compilers)) {
    it(`shapewise's pipe (${compiler}): one error, at the offending layer, the rule's message on its first line`, () => {
      const errors = diagnostics(`shapewise-pipe-${compiler.replace(/\W+/g, '-')}`, mistake('pipe'), command)
      expect(errors).toHaveLength(1)
      // line 11, column 5: `conv2d(p.conv2)` inside the pipe
      expect(errors[0]).toMatch(/\.ts\(11,5\): error TS2345: /)
      expect(errors[0]).toContain(`is not assignable to parameter of type '"conv2d: input has 10 channels but weight expects 6"'.`)
    }, 60_000)
  }

  it("fp-ts's pipe: the first line names fp-ts's parameter type, and using the result is a second error", () => {
    const errors = diagnostics('fp-ts-pipe', mistake('fpPipe'))
    expect(errors[0]).toMatch(/fp-ts-pipe\.ts\(11,5\): error TS2345: /)
    expect(errors[0]).not.toContain('conv2d: input has 10 channels')
    expect(errors[0]).toContain('is not assignable to parameter of type \'(')
    expect(errors.length).toBeGreaterThan(1)
  }, 60_000)
})
