/**
 * The `@example` of every export of the package: the package entries come
 * from package.json "exports", each entry's exports and their declarations
 * (through re-exports) from the TypeScript compiler's API, and each example
 * is turned into a module that the doc-test runs.
 */
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { API, SymbolFlags } from 'typescript/unstable/sync'

const root = join(import.meta.dirname, '../..')

/** One exported value of one package entry. */
export interface DocumentedExport {
  /** The package specifier a user imports it from ('shapewise', 'shapewise/nn', …). */
  readonly entry: string
  readonly name: string
  /** Where it is declared, as `path:line` (re-exports followed to the declaration). */
  readonly declaredAt: string
  /** The text of each `@example` tag of its doc comment. */
  readonly examples: readonly string[]
}

/** The package's entries: specifier → source file (package.json maps each to dist/; the source sits at the same path). */
export const packageEntries = (): Map<string, string> => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string | { types?: string }> }
  const entries = new Map<string, string>()
  for (const [key, target] of Object.entries(pkg.exports)) {
    const types = typeof target === 'string' ? target : target.types
    if (!types?.endsWith('.d.ts')) continue // ./package.json
    entries.set(key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`, join(root, types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts')))
  }
  return entries
}

/** Values, not types: what a user can call or construct. */
const VALUE = SymbolFlags.Variable | SymbolFlags.Function | SymbolFlags.Class | SymbolFlags.Enum

/** Every exported value of every package entry, with its examples. One compiler session, closed before returning. */
export const documentedExports = (): DocumentedExport[] => {
  const api = new API({ cwd: root })
  try {
    const project = api.updateSnapshot({ openProjects: [join(root, 'tsconfig.json')] }).getProjects()[0]
    const { checker, program } = project
    const lineOf = new Map<string, number[]>()
    const line = (path: string, pos: number) => {
      if (!lineOf.has(path)) lineOf.set(path, [...readFileSync(path, 'utf8').matchAll(/\n/g)].map((m) => m.index))
      const starts = lineOf.get(path)!
      // The declaration starts after its leading trivia (the doc comment itself): skip to the next code line.
      const text = readFileSync(path, 'utf8')
      let at = pos
      for (;;) {
        const rest = text.slice(at).match(/^\s*(\/\*[\s\S]*?\*\/|\/\/[^\n]*)/)
        if (!rest) break
        at += rest[0].length
      }
      at += text.slice(at).search(/\S/)
      return starts.filter((s) => s < at).length + 1
    }
    const found: DocumentedExport[] = []
    for (const [entry, file] of packageEntries()) {
      const source = program.getSourceFile(file)
      if (!source) throw new Error(`${entry}: ${file} is not part of tsconfig.json`)
      const module = checker.getSymbolAtLocation(source)
      if (!module) continue // an entry with no exports at all
      for (const exported of checker.getExportsOfModule(module)) {
        const symbol = exported.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
        if (!(symbol.flags & VALUE)) continue
        const declaration = symbol.valueDeclaration ?? symbol.declarations[0]
        const node = declaration.resolve(project)
        const examples = symbol.getJsDocTags(checker).filter((t) => t.name === 'example').map((t) => t.text ?? '')
        found.push({ entry, name: exported.name, declaredAt: `${relative(root, declaration.path)}:${line(declaration.path, node?.pos ?? 0)}`, examples })
      }
    }
    return found
  } finally {
    api.close()
  }
}
