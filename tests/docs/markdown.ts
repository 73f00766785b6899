/** The project's Markdown documents and the code blocks in them. */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

/** README.md and every Markdown file under docs/ (if that folder exists), relative to `root`. */
export function documents(root: string): string[] {
  const found = ['README.md']
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.md')) found.push(relative(root, path))
    }
  }
  walk(join(root, 'docs'))
  return found
}

export interface CodeBlock {
  /** The document, relative to the root. */
  readonly origin: string
  /** 0-based position among the document's TypeScript blocks. */
  readonly index: number
  /** 1-based line of the block's first code line in the document. */
  readonly line: number
  readonly code: string
}

/** Every ```ts / ```typescript block of the documents. */
export function extractTypeScriptBlocks(root: string): CodeBlock[] {
  return documents(root).flatMap((origin) => {
    const lines = readFileSync(join(root, origin), 'utf8').split('\n')
    const blocks: CodeBlock[] = []
    for (let i = 0; i < lines.length; i++) {
      // A block may be indented (inside a list item); its lines lose that indentation.
      const open = /^( *)```(ts|typescript)\s*$/.exec(lines[i]!)
      if (!open) continue
      const indent = open[1]!
      const end = lines.findIndex((l, j) => j > i && l.startsWith(indent) && /^```\s*$/.test(l.slice(indent.length)))
      if (end < 0) throw new Error(`${origin}:${i + 1}: unterminated code block`)
      const code = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      blocks.push({ origin, index: blocks.length, line: i + 2, code: code.join('\n') })
      i = end
    }
    return blocks
  })
}
