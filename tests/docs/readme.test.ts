/**
 * The README (and docs/, if any) names only what the repository has: every
 * Markdown file it mentions and every repository path it shows exists. (The
 * TypeScript blocks are type-checked against the packed package in
 * tests/consumer/.)
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { documents, extractTypeScriptBlocks } from './markdown.ts'

const root = join(import.meta.dirname, '../..')
/** Made by `npm run build`, not committed. */
const generated = new Set(['dist/'])
const topLevel = ['.ci', 'src', 'tests', 'types', 'type-tests', 'examples', 'bench', 'docs']
const pathLike = new RegExp(`(?:^|[\\s(\`])((?:${topLevel.map((d) => d.replace('.', '\\.')).join('|')})/[\\w./-]*)`, 'g')

describe.each(documents(root))('%s', (document) => {
  const text = readFileSync(join(root, document), 'utf8')
  const exists = (path: string) => existsSync(join(root, path)) || existsSync(join(root, dirname(document), path))

  test('every Markdown file it mentions is in the repository', () => {
    const mentioned = [...new Set(text.match(/[\w./-]*\w\.md\b/g) ?? [])]
    expect(mentioned.filter((file) => !exists(file))).toEqual([])
  })

  test('every repository path it shows exists', () => {
    const paths = [...new Set([...text.matchAll(pathLike)].map((m) => m[1]!.replace(/[.]$/, '')))].filter((p) => !generated.has(p))
    expect(paths.length).toBeGreaterThan(0)
    expect(paths.filter((path) => !exists(path))).toEqual([])
  })
})

test('README.md has TypeScript blocks for the consumer test to check', () => {
  expect(extractTypeScriptBlocks(root).filter((b) => b.origin === 'README.md').length).toBeGreaterThanOrEqual(2)
})
