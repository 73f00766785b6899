// Prints the folders under node_modules that the named packages need at run time (their
// dependencies and installed optional dependencies, transitively), one per line.
//   node bench/gpu/closure.mjs vitest tsx webgpu ...
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const seen = new Set()
const resolve = (name, from) => {
  // Node's lookup: node_modules beside the requiring package, then in each folder above it.
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dir === '.' || dir === dirname(dir)) return undefined
  }
}
const visit = (folder) => {
  if (seen.has(folder)) return
  seen.add(folder)
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
    const found = resolve(name, folder)
    if (found) visit(found)
  }
}
for (const name of process.argv.slice(2)) {
  const found = resolve(name, '.')
  if (!found) throw new Error(`${name} is not installed`)
  visit(found)
}
console.log([...seen].sort().join('\n'))
