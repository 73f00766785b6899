/**
 * Graph → Plan: a topological schedule of the nodes a request needs, each
 * lowered by its op's emitter, with intermediate buffers reused once their
 * last consumer has run. Nodes already on the device are leaves.
 */
import { topologicalOrder, type Node } from '../graph.ts'
import type { Plan, Step, BufferDecl, Binding, TextureDecl } from '../runtime/plan.ts'
import { lower, bytesPerElement, DEFAULT_TARGET, type KernelBinding, type KernelTarget, type Lowering } from './kernel.ts'
import { sizeOf, isLiteralNode, grid1d } from './wgsl.ts'
import { FAULT_BYTES } from '../faults.ts'
import { emptyLowering, filledData } from './empty.ts'
import { fusable, fuseChain, extraOperands, readsLiterals, elementwiseRule, expressionKernel, leavesOf } from './fusion.ts'

export interface Schedule {
  readonly plan: Plan
  /** The plan buffer holding each requested node (and each uploaded constant). */
  readonly bufferOf: ReadonlyMap<Node, number>
  /** Plan buffers bound to device buffers that outlive the plan (already realized nodes). */
  readonly external: ReadonlyMap<number, GPUBuffer>
  /** Nodes whose buffer must be kept after the plan: the targets and the uploaded constants. */
  readonly keep: readonly Node[]
  /** Nodes computed into the buffer of a donated input (the input they overwrote). */
  readonly inPlace: ReadonlyMap<Node, Node>
  /** The plan buffer kernels record faults in (bind the device's fault buffer to it), if any kernel checks its inputs. */
  readonly faultBuffer?: number
  readonly dispatches: number
}

const nodeBytes = (node: Node) => Math.max(4, sizeOf(node.shape) * bytesPerElement(node.dtype))

/** Host data as the device stores it (bool as u32). */
export const deviceData = (node: Node): ArrayBufferView => (node.data instanceof Uint8Array ? Uint32Array.from(node.data) : node.data!)

/**
 * @param realized the device buffer of a node already computed, if any
 * @param keepConstant whether an uploaded constant should stay on the device (it has a live tensor)
 */
export const schedule = (
  targets: readonly Node[],
  realized: (n: Node) => GPUBuffer | undefined,
  keepConstant: (n: Node) => boolean = () => true,
  target: KernelTarget = DEFAULT_TARGET,
  donated: ReadonlySet<Node> = new Set(),
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
  const consumerOf = new Map<Node, Node>()
  for (const node of order)
    if (!realized(node))
      for (const input of node.inputs) {
        uses.set(input, (uses.get(input) ?? 0) + 1)
        consumerOf.set(input, node)
      }
  // Nodes computed inside an earlier producer's epilogue (see fusion.ts), and the links of such chains.
  const fused = new Set<Node>()
  const chainLink = new Set<Node>()
  // Scalars read as WGSL literals by every consumer: never materialised.
  const consumers = new Map<Node, Node[]>()
  for (const node of order) if (!realized(node)) for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node])
  const virtual = new Set(
    order.filter((n) => isLiteralNode(n) && !realized(n) && !targetSet.has(n) && (consumers.get(n) ?? []).every(readsLiterals)),
  )
  const inPlace = new Map<Node, Node>()

  // Single-use elementwise operands of an elementwise consumer of the same shape are computed inline
  // where that consumer reads them: no kernel and no buffer of their own. Operand 0 of a consumer that
  // runs as its own kernel is left to epilogue chains (which also fuse into conv and matmul); inside an
  // inlined expression every operand may be inlined. Consumers decide first: reverse order.
  const expressible = (n: Node) => elementwiseRule(n) !== undefined && n.dtype === 'float32' && n.inputs.every((i) => i.dtype === 'float32')
  const inlined = new Set<Node>()
  for (const node of [...order].reverse()) {
    if (realized(node) || targetSet.has(node) || virtual.has(node) || uses.get(node) !== 1 || !expressible(node)) continue
    const consumer = consumerOf.get(node)!
    if ((consumer.inputs[0] === node && !inlined.has(consumer)) || !expressible(consumer) || realized(consumer)) continue
    if (consumer.shape.length === node.shape.length && consumer.shape.every((d, k) => d === node.shape[k])) inlined.add(node)
  }
  const isInlined = (n: Node) => inlined.has(n)
  // A kernel binds its operands and its output: an expression reading more than the adapter allows keeps
  // its operands as kernels of their own.
  // An operand put back becomes a kernel reading its own inlined operands, so check again until stable.
  for (let changed = true; changed; ) {
    changed = false
    for (const node of order)
      if (!inlined.has(node) && node.inputs.some(isInlined) && leavesOf(node.inputs, isInlined).length + 1 > target.maxStorageBuffersPerShaderStage)
        for (const input of node.inputs) changed = inlined.delete(input) || changed
  }
  /** Available where a kernel reads it: computed, a literal, or inlined from available operands. */
  const ready = (n: Node): boolean => bufferOf.has(n) || virtual.has(n) || (inlined.has(n) && n.inputs.every(ready))

  /**
   * The elementwise consumers that can run in `node`'s epilogue: each the only
   * user of the one before, within the storage buffers a kernel may bind.
   */
  const epilogueChain = (node: Node, bindingsUsed: number): Node[] => {
    const chain: Node[] = []
    let tail = node
    for (;;) {
      if (targetSet.has(tail) || uses.get(tail) !== 1) return chain
      const next = consumerOf.get(tail)!
      if (realized(next) || inlined.has(next) || !fusable(tail, next) || !next.inputs.slice(1).every(ready)) return chain
      if (bindingsUsed + extraOperands([...chain, next], isInlined).length > target.maxStorageBuffersPerShaderStage) return chain
      chain.push(next)
      tail = next
    }
  }
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
  const doneWith = (input: Node): void => {
    if (virtual.has(input)) return
    // An inlined operand was read through its own operands.
    if (inlined.has(input)) return input.inputs.forEach(doneWith)
    const left = (uses.get(input) ?? 1) - 1
    uses.set(input, left)
    if (left === 0 && !targetSet.has(input) && !keep.includes(input)) release(input)
  }

  let dispatches = 0
  let faultBuffer: number | undefined
  for (const node of order) {
    if (virtual.has(node) || inlined.has(node)) continue
    if (fused.has(node)) {
      // Already computed by its producer's kernel; its other operands were read there.
      for (const input of node.inputs) if (!chainLink.has(input)) doneWith(input)
      continue
    }
    const onDevice = realized(node)
    if (onDevice) {
      buffers.push({ bytes: nodeBytes(node) })
      external.set(buffers.length - 1, onDevice)
      hold(node, buffers.length - 1)
      continue
    }
    const empty = emptyLowering(node, (standIn) => lower(standIn, target))
    if (empty && !('lowering' in empty)) {
      // Nothing to compute over: a placeholder buffer, or the op's value for empty operands written from the host.
      const id = allocate('fill' in empty ? nodeBytes(node) : 4)
      if ('fill' in empty) steps.push({ kind: 'writeBuffer', dst: id, data: filledData(node.dtype, sizeOf(node.shape), empty.fill) })
      hold(node, id)
      for (const input of node.inputs) doneWith(input)
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
    const lowering: Lowering = empty?.lowering ?? (node.inputs.some(isInlined) ? inlinedLowering(node, isInlined) : lower(node, target))
    if ('alias' in lowering) {
      hold(node, bufferOf.get(node.inputs[lowering.alias])!)
    } else {
      const last = lowering.steps.at(-1)
      const storageBindings = last && 'bindings' in last ? last.bindings.filter((b) => !('texture' in b)).length : 0
      const chain = last && 'epilogue' in last && last.epilogue ? epilogueChain(node, storageBindings) : []
      const tail = chain.at(-1) ?? node
      // A donated input 0 that nothing reads after this kernel is overwritten in place.
      const victim = node.inputs[0]
      const overwrite =
        lowering.steps.length === 1 && last !== undefined && 'inPlace' in last && last.inPlace === true &&
        donated.has(victim) && uses.get(victim) === 1 && bufferOf.has(victim) && nodeBytes(victim) === nodeBytes(tail) &&
        !/in0\[(?!i\])/.test(last.wgsl)
      const out = overwrite ? bufferOf.get(victim)! : allocate(nodeBytes(tail))
      if (overwrite) inPlace.set(tail, victim)
      const scratch = (lowering.scratchBytes ?? []).map((b) => allocate(Math.max(4, b)))
      // Texture operands live for one node; the executor takes them from its pool per run.
      const texture = (lowering.textures ?? []).map(([width, height]) => textures.push({ width, height, label: node.op }) - 1)
      const bufferFor = (b: KernelBinding): number =>
        'input' in b ? bufferOf.get(node.inputs[b.input])! : 'value' in b ? bufferOf.get(b.value)! : 'output' in b ? out : 'scratch' in b ? scratch[b.scratch] : 'fault' in b ? (faultBuffer ??= buffers.push({ bytes: FAULT_BYTES }) - 1) : -1
      for (const step of lowering.steps) {
        if ('copyToTexture' in step) {
          const c = step.copyToTexture
          steps.push({ kind: 'copyBufferToTexture', src: bufferFor(c.source), dst: texture[c.texture], rows: c.rows, cols: c.cols, label: node.op })
          continue
        }
        const bindings: Binding[] = step.bindings.map((b) =>
          'texture' in b
            ? { texture: texture[b.texture], access: 'read' as const }
            : { buffer: bufferFor(b), access: 'input' in b || 'value' in b ? ('read' as const) : ('read_write' as const) },
        )
        let wgsl = step.wgsl
        if (chain.length && step === last) {
          const f = fuseChain(step.wgsl, chain, bindings.length, isInlined)
          wgsl = f.wgsl
          for (const operand of f.extra) bindings.push({ buffer: bufferOf.get(operand)!, access: 'read' })
        }
        if (overwrite) {
          // The same buffer may not be bound twice when one binding writes: read input 0 through `out`.
          wgsl = readInputFromOutput(wgsl)
          bindings.shift()
        }
        const label = step === last ? [node.op, ...chain.map((c) => c.op)].join('+') : node.op
        steps.push({ kind: 'dispatch', wgsl, bindings, workgroups: step.workgroups, label })
        dispatches++
      }
      free.push(...scratch)
      if (chain.length) {
        // The producer and all but the last link never exist in memory.
        for (const link of [node, ...chain.slice(0, -1)]) chainLink.add(link)
        for (const c of chain) fused.add(c)
      }
      hold(tail, out)
    }
    for (const input of node.inputs) doneWith(input)
  }
  for (const t of targets) if (!keep.includes(t)) keep.push(t)
  return { plan: { buffers, textures, steps }, bufferOf, external, keep, inPlace, faultBuffer, dispatches }
}

/** An elementwise node whose inlined operands the compiler writes into one expression kernel. */
const inlinedLowering = (node: Node, isInlined: (n: Node) => boolean): Lowering => {
  const k = expressionKernel(node, isInlined)
  const bindings: KernelBinding[] = [...k.operands.map((value) => ({ value })), { output: true as const }]
  return { steps: [{ wgsl: k.wgsl, workgroups: grid1d(k.total), bindings, epilogue: true, inPlace: k.inPlace }] }
}

/** An in-place kernel: input 0's binding dropped, its reads taken from `out`, later bindings shifted down. */
const readInputFromOutput = (wgsl: string): string =>
  wgsl
    .replace(/@group\(0\) @binding\(0\) var<storage, read> in0: array<\w+>;\n?/, '')
    .replaceAll('in0[i]', 'out[i]')
    .replace(/@binding\((\d+)\)/g, (_, n: string) => `@binding(${Number(n) - 1})`)
