/**
 * Turns an `@example` into a module that runs it: imports of the package
 * ('shapewise', 'shapewise/nn', …) point at the sources, and every line that
 * ends in an expected-value comment asserts it, as docs-ts does for fp-ts:
 *
 *     await relu(tensor([-1, 2])).data()    // → [0, 2]
 *     await relu(tensor([-1, 2])).data()    // Float32Array [0, 2]   (the class is checked too)
 *     const y = pipe(x, flatten)            // → y is compared with the value after the arrow
 *
 * The value after `→` is a JavaScript expression. A tensor is compared by its
 * values (`.array()`), a typed array as a plain array, an object by the keys
 * written, and each expected number to the digits written: 0.731 accepts
 * [0.7305, 0.7315], an integer any value within 1e-6 relative (float32
 * results). A promise is awaited first.
 */
import { Tensor } from '../../src/tensor.ts'

/**
 * `code // → expected` or `const name = code // → expected`, on one line; a
 * comment that prints a typed array (`// Float32Array [0, 2]`) asserts it too,
 * class included.
 */
const ASSERTED =
  /^(\s*)(?:(const|let)\s+([A-Za-z_$][\w$]*)(\s*:[^=]+)?\s*=\s*)?(.+?)\s*\/\/\s*(?:→\s*|(?=(?:Float32Array|Int32Array|Uint8Array)\s*\[))((?:Float32Array|Int32Array|Uint8Array)(?=\s*\[))?\s*(.+?)\s*$/

/** Names an example without an import of the package sees: its own entry's exported values. */
export interface ImplicitImport {
  readonly entry: string
  readonly names: readonly string[]
}

/**
 * The example's source as a module: package imports resolved through
 * `entries`, expected values asserted. An example that imports nothing from
 * the package is given its own entry's values (`implicit`), so a one-line
 * example may stay one line.
 */
export const exampleModule = (example: string, entries: ReadonlyMap<string, string>, where: string, implicit?: ImplicitImport): string => {
  const importsNothing = implicit && !/from\s+['"]shapewise(?:\/[\w-]+)?['"]/.test(example)
  const prelude = importsNothing ? `import { ${implicit.names.join(', ')} } from ${JSON.stringify(entries.get(implicit.entry))}\n` : ''
  return prelude + example
    .split('\n')
    // A fenced example (```ts … ```) runs as its content.
    .map((line) => (/^\s*```\w*\s*$/.test(line) ? '' : line))
    .map((line, i) => {
      const imported = line.replace(/from\s+(['"])(shapewise(?:\/[\w-]+)?)\1/, (whole, _quote, specifier: string) => {
        const file = entries.get(specifier)
        if (!file) throw new Error(`${where}: the example imports ${specifier}, which is not a package entry`)
        return `from ${JSON.stringify(file)}`
      })
      if (imported !== line) return imported
      // A line that opens with ( [ or ` continues the line before it when pasted without semicolons.
      if (/^\s*[([`]/.test(line)) throw new Error(`${where}: example line ${i + 1} starts with ${line.trim()[0]}, which joins it to the line before; begin it with a name (const x = …)`)
      const m = ASSERTED.exec(line)
      if (!m || m[5].startsWith('import ')) return line
      const [, indent, keyword, name, annotation = '', code, typedArray, expected] = m
      const at = JSON.stringify(`${where}, example line ${i + 1}`)
      const args = `(${expected}), ${at}${typedArray ? `, '${typedArray}'` : ''}`
      if (keyword) return `${indent}${keyword} ${name}${annotation} = ${code}; await globalThis.__expectDoc(${name}, ${args})`
      return `${indent}await globalThis.__expectDoc((${code}), ${args})`
    })
    .join('\n')
}

/** The decimals a number is written with: 0.731 → 3, 1e-7 → 7, 42 → 0. */
const decimals = (n: number): number => {
  const [mantissa, exponent = '0'] = String(n).split('e')
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent))
}

const plain = async (value: unknown): Promise<unknown> => {
  if (value instanceof Tensor) return value.array()
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>)
  return value
}

/** Where `actual` differs from `expected` ('' when it does not), numbers compared to the digits written. */
const difference = async (actual: unknown, expected: unknown, path: string): Promise<string> => {
  actual = await plain(actual)
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return `${path}: got ${String(actual)}, expected the number ${expected}`
    if (Number.isNaN(expected)) return Number.isNaN(actual) ? '' : `${path}: got ${actual}, expected NaN`
    if (!Number.isFinite(expected)) return actual === expected ? '' : `${path}: got ${actual}, expected ${expected}`
    const places = decimals(expected)
    const tolerance = Math.max(places > 0 ? 0.5 * 10 ** -places : 0, 1e-6 * Math.max(1, Math.abs(expected)))
    return Math.abs(actual - expected) <= tolerance * (1 + 1e-9) ? '' : `${path}: got ${actual}, expected ${expected}`
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: got ${JSON.stringify(actual)}, expected an array`
    if (actual.length !== expected.length) return `${path}: got ${actual.length} elements, expected ${expected.length}`
    for (let i = 0; i < expected.length; i++) {
      const d = await difference(actual[i], expected[i], `${path}[${i}]`)
      if (d) return d
    }
    return ''
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return `${path}: got ${String(actual)}, expected an object`
    for (const key of Object.keys(expected)) {
      const d = await difference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`)
      if (d) return d
    }
    return ''
  }
  return Object.is(actual, expected) ? '' : `${path}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`
}

/** The assertion behind `// →`: throws, naming the example's line, when the value (or the typed array's class) differs. */
export const expectDoc = async (actual: unknown, expected: unknown, where: string, typedArray?: string) => {
  const value = await actual
  const kind = (value as object | null | undefined)?.constructor?.name
  if (typedArray && kind !== typedArray) throw new Error(`${where}: value: got a ${kind ?? String(value)}, expected a ${typedArray}`)
  const d = await difference(value, expected, 'value')
  if (d) throw new Error(`${where}: ${d}`)
}
