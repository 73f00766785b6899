/**
 * Graph → Plan: a topological schedule of the nodes a request needs, each
 * lowered by its op's emitter, with intermediate buffers reused once their
 * last consumer has run. Nodes already on the device are leaves.
 */
import type { Node } from '../graph.ts'
import type { Plan, Step, BufferDecl, Binding, TextureDecl } from '../runtime/plan.ts'
import { emitterFor, bytesPerElement, DEFAULT_TARGET, type KernelBinding, type KernelTarget, type Lowering } from './kernel.ts'
import { sizeOf } from './wgsl.ts'

export interface Schedule {
  readonly plan: Plan
  /** The plan buffer holding each requested node (and each uploaded constant). */
  readonly bufferOf: ReadonlyMap<Node, number>
  /** Plan buffers bound to device buffers that outlive the plan (already realized nodes). */
  readonly external: ReadonlyMap<number, GPUBuffer>
  /** Nodes whose buffer must be kept after the plan: the targets and the uploaded constants. */
  readonly keep: readonly Node[]
  readonly dispatches: number
}

const nodeBytes = (node: Node) => Math.max(4, sizeOf(node.shape) * bytesPerElement(node.dtype))

/** Host data as the device stores it (bool as u32). */
export const deviceData = (node: Node): ArrayBufferView => (node.data instanceof Uint8Array ? Uint32Array.from(node.data) : node.data!)

/** Nodes needed for `targets`, inputs before consumers, stopping at realized nodes. */
const topologicalOrder = (targets: readonly Node[], isRealized: (n: Node) => boolean): Node[] => {
  const order: Node[] = []
  const seen = new Set<Node>()
  const visit = (root: Node) => {
    // Iterative DFS: graphs of a training step are deep enough to overflow the JS stack.
    const stack: [Node, boolean][] = [[root, false]]
    while (stack.length) {
      const [node, expanded] = stack.pop()!
      if (expanded) {
        order.push(node)
        continue
      }
      if (seen.has(node)) continue
      seen.add(node)
      stack.push([node, true])
      if (!isRealized(node)) for (const input of [...node.inputs].reverse()) if (!seen.has(input)) stack.push([input, false])
    }
  }
  targets.forEach(visit)
  return order
}

/**
 * @param realized the device buffer of a node already computed, if any
 * @param keepConstant whether an uploaded constant should stay on the device (it has a live tensor)
 */
export const schedule = (
  targets: readonly Node[],
  realized: (n: Node) => GPUBuffer | undefined,
  keepConstant: (n: Node) => boolean = () => true,
  target: KernelTarget = DEFAULT_TARGET,
): Schedule => {
  const order = topologicalOrder(targets, (n) => realized(n) !== undefined)
  const buffers: BufferDecl[] = []
  const textures: TextureDecl[] = []
  const steps: Step[] = []
  const bufferOf = new Map<Node, number>()
  const external = new Map<number, GPUBuffer>()
  const keep: Node[] = []
  const targetSet = new Set(targets)

  // Remaining consumers per node, to free buffers after their last use.
  const uses = new Map<Node, number>()
  for (const node of order) if (!realized(node)) for (const input of node.inputs) uses.set(input, (uses.get(input) ?? 0) + 1)
  // A buffer may back several nodes (views); it is free when all of them are done.
  const holders = new Map<number, Set<Node>>()
  const free: number[] = []

  const allocate = (bytes: number): number => {
    const i = free.findIndex((id) => buffers[id].bytes === bytes)
    if (i >= 0) return free.splice(i, 1)[0]
    buffers.push({ bytes })
    return buffers.length - 1
  }
  const hold = (node: Node, id: number) => {
    bufferOf.set(node, id)
    if (!holders.has(id)) holders.set(id, new Set())
    holders.get(id)!.add(node)
  }
  const release = (node: Node) => {
    const id = bufferOf.get(node)!
    const set = holders.get(id)!
    set.delete(node)
    if (set.size === 0 && !external.has(id)) free.push(id)
  }
  const doneWith = (input: Node) => {
    const left = (uses.get(input) ?? 1) - 1
    uses.set(input, left)
    if (left === 0 && !targetSet.has(input) && !keep.includes(input)) release(input)
  }

  let dispatches = 0
  for (const node of order) {
    const onDevice = realized(node)
    if (onDevice) {
      buffers.push({ bytes: nodeBytes(node) })
      external.set(buffers.length - 1, onDevice)
      hold(node, buffers.length - 1)
      continue
    }
    if (node.op === 'constant') {
      // Constants with a live tensor (parameters, data) are uploaded once and stay on the device.
      const id = allocate(nodeBytes(node))
      steps.push({ kind: 'writeBuffer', dst: id, data: deviceData(node) })
      hold(node, id)
      if (keepConstant(node)) keep.push(node)
      continue
    }
    const lowering: Lowering = emitterFor(node.op)(node, target)
    if ('alias' in lowering) {
      hold(node, bufferOf.get(node.inputs[lowering.alias])!)
    } else {
      const out = allocate(nodeBytes(node))
      const scratch = (lowering.scratchBytes ?? []).map((b) => allocate(Math.max(4, b)))
      // Texture operands live for one node; the executor takes them from its pool per run.
      const texture = (lowering.textures ?? []).map(([width, height]) => textures.push({ width, height, label: node.op }) - 1)
      const bufferFor = (b: KernelBinding): number =>
        'input' in b ? bufferOf.get(node.inputs[b.input])! : 'output' in b ? out : 'scratch' in b ? scratch[b.scratch] : -1
      for (const step of lowering.steps) {
        if ('copyToTexture' in step) {
          const c = step.copyToTexture
          steps.push({ kind: 'copyBufferToTexture', src: bufferFor(c.source), dst: texture[c.texture], rows: c.rows, cols: c.cols, label: node.op })
          continue
        }
        const bindings: Binding[] = step.bindings.map((b) =>
          'texture' in b
            ? { texture: texture[b.texture], access: 'read' as const }
            : { buffer: bufferFor(b), access: 'input' in b ? ('read' as const) : ('read_write' as const) },
        )
        steps.push({ kind: 'dispatch', wgsl: step.wgsl, bindings, workgroups: step.workgroups, label: node.op })
        dispatches++
      }
      free.push(...scratch)
      hold(node, out)
    }
    for (const input of node.inputs) doneWith(input)
  }
  for (const t of targets) if (!keep.includes(t)) keep.push(t)
  return { plan: { buffers, textures, steps }, bufferOf, external, keep, dispatches }
}
