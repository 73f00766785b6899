/**
 * Packs shapewise as `npm publish` would and installs the tarball into
 * throw-away projects, the way a user gets it.
 *
 * The install is done without the network (tests never download): the tarball
 * is unpacked as `node_modules/shapewise`, exactly the files npm would place
 * there, and only the packages its manifest asks for (runtime dependencies and
 * required peers, with their own dependencies) are linked in from this
 * checkout's `node_modules`. A file the package forgot to ship, or an import of
 * a package it does not declare, therefore fails here as it would for a user.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

export const repoRoot = resolve(import.meta.dirname, '../..')
const repoModules = join(repoRoot, 'node_modules')

interface Manifest {
  readonly name: string
  readonly exports?: Record<string, unknown>
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>
  readonly files?: readonly string[]
}

export interface Packed {
  /** Folder holding the tarball and the projects made from it; removed by `dispose`. */
  readonly dir: string
  readonly tarball: string
  /** Size of the .tgz in bytes. */
  readonly packedBytes: number
  /** Paths inside the tarball, without the leading `package/`. */
  readonly files: readonly string[]
  readonly manifest: Manifest
  dispose(): void
}

/** `npm pack` (which runs `prepack`, i.e. the build) into a fresh temporary folder. */
export function pack(): Packed {
  const dir = mkdtempSync(join(tmpdir(), 'shapewise-consumer-'))
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  // npm prints the prepack script's output before the JSON report.
  const report = JSON.parse(out.slice(out.indexOf('\n[') + 1)) as [{ filename: string; size: number; files: { path: string }[] }]
  const [{ filename, size, files }] = report
  return {
    dir,
    tarball: join(dir, filename),
    packedBytes: size,
    files: files.map((f) => f.path),
    manifest: JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The specifiers a user can import: 'shapewise', 'shapewise/nn', … — every code entry of `exports`. */
export function exportSpecifiers(manifest: Manifest): string[] {
  return Object.keys(manifest.exports ?? {})
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`))
}

/**
 * A new project folder with the packed shapewise installed, plus `extra`
 * packages the consumer itself would depend on (e.g. `@types/node`).
 */
export function makeProject(packed: Packed, name: string, extra: readonly string[] = []): string {
  const project = join(packed.dir, name)
  const modules = join(project, 'node_modules')
  const installed = join(modules, packed.manifest.name)
  mkdirSync(installed, { recursive: true })
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2))
  execFileSync('tar', ['xzf', packed.tarball, '-C', installed, '--strip-components=1'])

  const manifest = packed.manifest
  const wanted = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((p) => !manifest.peerDependenciesMeta?.[p]?.optional),
    ...extra,
  ]
  const linked = new Set<string>()
  const link = (pkg: string): void => {
    if (linked.has(pkg)) return
    linked.add(pkg)
    const source = join(repoModules, pkg)
    if (!existsSync(source)) throw new Error(`consumer install: ${pkg} is not in ${repoModules} (run npm ci)`)
    mkdirSync(dirname(join(modules, pkg)), { recursive: true })
    symlinkSync(source, join(modules, pkg), 'dir')
    const own = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Manifest
    // Hoisted like npm does; a nested copy under the package itself needs no link.
    for (const dep of Object.keys(own.dependencies ?? {})) if (!existsSync(join(source, 'node_modules', dep))) link(dep)
  }
  wanted.forEach(link)
  return project
}
