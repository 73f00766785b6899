/**
 * Doc-tests: every value the package exports (every entry of package.json
 * "exports") has a doc comment with an `@example`, every example type-checks
 * under the project's settings, and every example runs — imports of the
 * package resolved to the sources, expected-value comments (`// → value`)
 * asserted (tests/docs/doctest.ts). Each example runs in a fresh temporary
 * folder, so the files it writes go nowhere else.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { documentedExports, packageEntries } from './examples.ts'
import { exampleModule, expectDoc, type ImplicitImport } from './doctest.ts'

const entries = packageEntries()
const exported = documentedExports()
/** The values of an entry, for examples that import nothing from the package. */
const implicitImport = (entry: string): ImplicitImport => ({ entry, names: [...new Set(exported.filter((e) => e.entry === entry).map((e) => e.name))] })
const folder = mkdtempSync(join(tmpdir(), 'shapewise-doctest-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
;(globalThis as { __expectDoc?: typeof expectDoc }).__expectDoc = expectDoc

describe('the doc-test runner', () => {
  it('resolves package imports and asserts expected-value comments', () => {
    const module = exampleModule(["import { tensor } from 'shapewise'", 'await x.data() // → [1, 2]', 'const n = f() // → 3', 'g() // a plain comment'].join('\n'), entries, 'here')
    expect(module.split('\n')).toEqual([
      `import { tensor } from ${JSON.stringify(entries.get('shapewise'))}`,
      `await globalThis.__expectDoc((await x.data()), ([1, 2]), "here, example line 2")`,
      `const n = f(); await globalThis.__expectDoc(n, (3), "here, example line 3")`,
      'g() // a plain comment',
    ])
    expect(() => exampleModule("import { x } from 'shapewise/nope'", entries, 'here')).toThrow('here: the example imports shapewise/nope, which is not a package entry')
    expect(() => exampleModule('f()\n[1, 2].length // → 2', entries, 'here')).toThrow('here: example line 2 starts with [')
    // A printed typed array is asserted, class included; an example importing nothing sees its entry's values.
    expect(exampleModule('await x.data() // Float32Array [0, 2]', entries, 'here', { entry: 'shapewise', names: ['relu', 'tensor'] }).split('\n')).toEqual([
      `import { relu, tensor } from ${JSON.stringify(entries.get('shapewise'))}`,
      `await globalThis.__expectDoc((await x.data()), ([0, 2]), "here, example line 1", 'Float32Array')`,
    ])
  })

  it('compares numbers to the digits written, arrays and typed arrays elementwise, objects by the keys written', async () => {
    await expectDoc(0.73104, 0.731, 'a')
    await expect(expectDoc(0.7316, 0.731, 'b')).rejects.toThrow('b: value: got 0.7316, expected 0.731')
    await expectDoc(Float32Array.of(1, 2), [1, 2], 'c')
    await expect(expectDoc(Float32Array.of(1, 2.01), [1, 2], 'd')).rejects.toThrow('d: value[1]: got')
    await expect(expectDoc([1, 2], [1, 2, 3], 'e')).rejects.toThrow('e: value: got 2 elements, expected 3')
    await expectDoc({ w: 6, b: 3, extra: 1 }, { w: 6, b: 3 }, 'f')
    await expect(expectDoc('float32', 'int32', 'g')).rejects.toThrow('g: value: got "float32", expected "int32"')
    await expectDoc(Promise.resolve(NaN), NaN, 'h')
    await expectDoc(Float32Array.of(0, 2), [0, 2], 'i', 'Float32Array')
    await expect(expectDoc(Int32Array.of(0, 2), [0, 2], 'j', 'Float32Array')).rejects.toThrow('j: value: got a Int32Array, expected a Float32Array')
  })
})

describe('doc comments of the exports', () => {
  it('finds the exports of every package entry', () => {
    expect([...entries.keys()]).toContain('shapewise')
    expect(exported.length).toBeGreaterThan(150)
  })

  it('every exported value has an @example', () => {
    expect(exported.filter((e) => e.examples.length === 0).map((e) => `${e.entry}: ${e.name} (${e.declaredAt})`)).toEqual([])
  })
})

describe('@example blocks type-check', () => {
  it('every example compiles under the project\'s strict settings (annotations such as Tensor<[3]> are checked)', () => {
    const root = join(import.meta.dirname, '../..')
    // Inside the repository (its tmp/ is ignored by git) so that the project's node_modules and types resolve.
    const dir = join(root, 'tmp', `doc-examples-${process.pid}`)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    try {
      let i = 0
      for (const e of exported)
        for (const example of e.examples)
          writeFileSync(
            join(dir, `${e.name}-${i++}.mts`),
            `declare global { var __expectDoc: (actual: unknown, expected: unknown, where: string, typedArray?: string) => Promise<void> }\n` +
              `// ${e.entry} ${e.name} (${e.declaredAt})\n${exampleModule(example, entries, e.name, implicitImport(e.entry))}\nexport {}\n`,
          )
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['*.mts'], exclude: [] }))
      let diagnostics = ''
      try {
        execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8', stdio: 'pipe' })
      } catch (error) {
        diagnostics = String((error as { stdout?: string }).stdout ?? error)
      }
      expect(diagnostics).toBe('')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

// A value re-exported by two entries (the tree functions) is one declaration, one example to run.
const seen = new Set<string>()
const runnable = exported.filter((e) => e.examples.length > 0 && !seen.has(e.declaredAt) && seen.add(e.declaredAt))

describe('@example blocks run', () => {
  it.each(runnable.flatMap((e) => e.examples.map((example, i) => [`${e.entry} ${e.name}${e.examples.length > 1 ? ` #${i + 1}` : ''} (${e.declaredAt})`, example, e.entry] as const)))(
    '%s',
    async (title, example, entry) => {
      const dir = mkdtempSync(join(folder, 'example-'))
      const file = join(dir, 'example.ts')
      writeFileSync(file, `${exampleModule(example, entries, title, implicitImport(entry))}\nexport {}\n`)
      const cwd = process.cwd()
      // Relative paths in an example (files it saves and loads) land in its own folder.
      process.chdir(dir)
      try {
        await import(pathToFileURL(file).href)
      } finally {
        process.chdir(cwd)
      }
    },
  )
})
