/**
 * The compiler's passes. Each is `(graph) => graph`, decides one thing and
 * records it in one field of the KernelGraph (choose operand layout also
 * puts the form it chose into `lowered`); schedule.ts lists them in order. None of them reads or edits WGSL: kernels are IR (kernel.ts) until
 * the renderer writes them, last.
 */
import type { Node, NodeOf } from '../graph.ts'
import type { Primitive } from '../core/params.ts'
import type { ViewRule } from '../core/primitive.ts'
import type { Binding, BufferDecl, Step, TextureDecl } from '../runtime/plan.ts'
import { FAULT_BYTES } from '../faults.ts'
import { bytesPerElement, lower as lowerNode, type KernelBinding, type KernelStep, type KernelTarget, type Lowering, type TextureOperand } from './kernel.ts'
import { consumerOf, fusedNodes, usesOf, walk, type Assignment, type FusedView, type KernelGraph, type OperandLayout, type NodeLowering, type PendingKernel, type ViewRead } from './kernel-graph.ts'
import { chainEpilogue, elementwiseRule, expressionLowering, extraOperands, fusable, leavesOf, readsLiterals } from './fusion.ts'
import { emptyLowering, filledData } from './empty.ts'
import { renderKernel } from './render.ts'
import { isLiteralNode, sameShape, sizeOf } from './wgsl.ts'

export type Pass = (g: KernelGraph) => KernelGraph

const nodeBytes = (node: Node) => Math.max(4, sizeOf(node.shape) * bytesPerElement(node.dtype))

/** Host data as the device stores it (bool as u32). */
export const deviceData = (node: Node): ArrayBufferView => (node.data instanceof Uint8Array ? Uint32Array.from(node.data) : node.data!)

/** Scalars (fills, one-element constants) that every consumer reads as a WGSL literal: no buffer, upload or kernel. */
export const foldLiterals: Pass = (g) => {
  const targets = new Set(g.targets)
  const literals = g.order.filter(
    (n) => isLiteralNode(n) && !g.ctx.realized(n) && !targets.has(n) && (g.consumers.get(n) ?? []).every(readsLiterals),
  )
  return { ...g, literals: new Set(literals) }
}

const expressible = (n: Node) => elementwiseRule(n) !== undefined && n.dtype === 'float32' && n.inputs.every((i) => i.dtype === 'float32')

/**
 * Single-use elementwise operands of an elementwise consumer of the same
 * shape are computed inline where that consumer reads them: no kernel and no
 * buffer of their own. Operand 0 of a consumer that runs as its own kernel is
 * left to epilogue chains (which also fuse into conv and matmul); inside an
 * inlined expression every operand may be inlined. Consumers decide first.
 */
export const inlineElementwise: Pass = (g) => {
  const { realized, target } = g.ctx
  const targets = new Set(g.targets)
  const inlined = new Set<Node>()
  for (const node of [...g.order].reverse()) {
    if (realized(node) || targets.has(node) || g.literals.has(node) || usesOf(g, node) !== 1 || !expressible(node)) continue
    const consumer = consumerOf(g, node)!
    if ((consumer.inputs[0] === node && !inlined.has(consumer)) || !expressible(consumer) || realized(consumer)) continue
    if (sameShape(consumer.shape, node.shape)) inlined.add(node)
  }
  // A kernel binds its operands and its output: an expression reading more than the adapter allows keeps
  // its operands as kernels of their own. An operand put back becomes a kernel reading its own inlined
  // operands, so check again until stable.
  const isInlined = (n: Node) => inlined.has(n)
  for (let changed = true; changed; ) {
    changed = false
    for (const node of g.order)
      if (!inlined.has(node) && node.inputs.some(isInlined) && leavesOf(node.inputs, isInlined).length + 1 > target.maxStorageBuffersPerShaderStage)
        for (const input of node.inputs) changed = inlined.delete(input) || changed
  }
  return { ...g, inlined }
}

/** How each node that runs is computed: bound, uploaded, a view, or its op's kernel (the compiler's own for inlined operands). */
export const lower: Pass = (g) => {
  const { realized, keepConstant, target } = g.ctx
  const lowered = new Map<Node, NodeLowering>()
  const isInlined = (n: Node) => g.inlined.has(n)
  for (const node of g.order) {
    if (g.literals.has(node) || g.inlined.has(node)) continue
    const onDevice = realized(node)
    if (onDevice) {
      lowered.set(node, { realized: onDevice })
      continue
    }
    const empty = emptyLowering(node, (standIn) => lowerNode(standIn, target))
    if (empty && 'nothing' in empty) lowered.set(node, { placeholder: true })
    // The op's value for empty operands, written from the host.
    else if (empty && 'fill' in empty) lowered.set(node, { upload: filledData(node.dtype, sizeOf(node.shape), empty.fill), keep: false })
    else if (empty) lowered.set(node, { kernel: empty.lowering, operands: empty.lowering.operands ?? node.inputs })
    // Constants with a live tensor (parameters, data) are uploaded once and stay on the device.
    else if (node.op === 'constant') lowered.set(node, { upload: deviceData(node), keep: keepConstant(node) })
    else {
      const lowering = node.inputs.some(isInlined) ? expressionLowering(node, isInlined) : lowerNode(node, target)
      if ('alias' in lowering) lowered.set(node, { alias: lowering.alias })
      else lowered.set(node, { kernel: lowering, operands: lowering.operands ?? node.inputs })
    }
  }
  return { ...g, lowered }
}

/** A texture operand's size: [width in rgba texels, height in rows]. */
const textureSize = (operand: TextureOperand): readonly [number, number] => [Math.ceil(operand.cols / 4), operand.rows]

/** Where one offered operand is read from on `target`: a texture if the adapter prefers them and it fits one. */
const layoutOf = (operand: TextureOperand, target: KernelTarget): OperandLayout =>
  target.textureOperands && textureSize(operand).every((d) => d <= target.maxTextureDimension2D) ? 'texture' : 'buffer'

/**
 * A lowering in the operand layout `target` reads fastest, with the layout of each offered operand:
 * the routine's texture form (its preparation, a TextureCopy per operand, the step reading textures)
 * when every operand it offered can be a texture, its buffer form otherwise. The GEMM routines read
 * their heavy operands all one way, so one operand that cannot be a texture keeps them all in buffers.
 */
export const operandLayout = (lowering: Lowering, target: KernelTarget): { readonly lowering: Lowering; readonly layouts: readonly OperandLayout[] } => {
  if ('alias' in lowering || !lowering.textureOffer) return { lowering, layouts: [] }
  const { textureOffer: offer, ...buffers } = lowering
  const layouts = offer.operands.map((operand) => layoutOf(operand, target))
  if (layouts.some((l) => l === 'buffer')) return { lowering: buffers, layouts: layouts.map(() => 'buffer') }
  const copies = offer.operands.map(({ source, rows, cols }, texture) => ({ copyToTexture: { source, texture, rows, cols } }))
  // Copies of the node's inputs wait on nothing and go first; copies of scratch buffers follow the steps that fill them.
  const fromInput = copies.filter((c) => 'input' in c.copyToTexture.source)
  const fromScratch = copies.filter((c) => 'scratch' in c.copyToTexture.source)
  return {
    lowering: {
      ...buffers,
      scratchBytes: offer.scratchBytes,
      textures: offer.operands.map(textureSize),
      steps: [...fromInput, ...offer.prepare, ...fromScratch, offer.step],
    },
    layouts,
  }
}

/**
 * Whether each heavy GEMM operand (implicit-GEMM convolution, matmul, linear) is read through a
 * read-only storage texture or a storage buffer. The routines offer the texture form where they
 * measured that its copies pay (see TextureOffer); this pass takes it per the target: on llvmpipe
 * textures measured several times faster (bench/matmul-kernels.ts), elsewhere buffers are kept, and
 * an operand over the adapter's 2-D texture size stays a buffer. It runs before the passes that count
 * a kernel's storage buffers (texture bindings are not storage buffers) or read its copies' sources.
 */
export const chooseOperandLayout: Pass = (g) => {
  const lowered = new Map(g.lowered)
  const operandLayouts = new Map<Node, readonly OperandLayout[]>()
  for (const [node, l] of g.lowered) {
    if (!('kernel' in l) || !l.kernel.textureOffer) continue
    const { lowering, layouts } = operandLayout(l.kernel, g.ctx.target)
    if ('alias' in lowering) continue
    lowered.set(node, { kernel: lowering, operands: l.operands })
    operandLayouts.set(node, layouts)
  }
  return { ...g, lowered, operandLayouts }
}

/** The index map a node's primitive is, when it is a movement primitive (see PrimitiveDef.view). */
const viewRule = <P extends Primitive>(node: NodeOf<P>): ViewRule<P> | undefined => node.primitive.view

/**
 * Movement nodes (permute, slice, broadcastTo, pad: primitives with a view) become reads in the
 * loads of the kernels that read them instead of a dispatch and a buffer of their own, when
 * every reader reads them through `io.load` on the one-dimensional skeleton: elementwise ops,
 * reductions, copies, inlined expressions and epilogue operands; not a hand-laid routine (the conv
 * and matmul GEMMs read their operands through their own typed views or textures, tuned for a
 * contiguous layout). Views of fused views compose, and an alias of one (reshape, stopGradient:
 * the identity map) is fused with it. A reader binds the source's buffer where it bound the view's,
 * so its storage buffers per stage do not grow past what the earlier passes allowed for the target,
 * and the source, already bound whole by the view's own kernel, fits a binding. Readers decide first.
 */
export const fuseViews: Pass = (g) => {
  const { realized } = g.ctx
  const targets = new Set(g.targets)
  const viewable = new Set<Node>()
  const readsThroughLoads = (reader: Node, view: Node): boolean => {
    if (viewable.has(reader) || g.inlined.has(reader)) return true
    const l = g.lowered.get(reader)
    if (!l || !('kernel' in l)) return false
    const isView = (b: { readonly input: number } | { readonly scratch: number }) => 'input' in b && l.operands[b.input] === view
    return l.kernel.steps.every((step) =>
      'copyToTexture' in step
        ? !isView(step.copyToTexture.source)
        : step.bindings.every((b) => !('input' in b) || !isView(b) || (b.view === undefined && 'threads' in step.dispatch)),
    )
  }
  for (const node of [...g.order].reverse()) {
    const l = g.lowered.get(node)
    const movable = l !== undefined && (('kernel' in l && viewRule(node) !== undefined && sizeOf(node.inputs[0].shape) > 0) || 'alias' in l)
    if (!movable || realized(node) || targets.has(node)) continue
    if ((g.consumers.get(node) ?? []).every((reader) => readsThroughLoads(reader, node))) viewable.add(node)
  }
  const views = new Map<Node, FusedView>()
  for (const node of g.order) {
    const l = g.lowered.get(node)
    if (!viewable.has(node) || !l) continue
    const input = node.inputs['alias' in l ? l.alias : 0]
    const inner = views.get(input)
    // An alias of a buffer stays an alias: only an alias of a fused view becomes one.
    if ('alias' in l && !inner) continue
    const rule = viewRule(node) as ViewRule<Primitive> | undefined
    const own: ViewRead = rule ? (index, load, io) => rule.read(node, index, load, io) : (index, load) => load(index)
    views.set(node, inner ? { source: inner.source, read: (index, load, io) => own(index, (j) => inner.read(j, load, io), io) } : { source: input, read: own })
  }
  return { ...g, views }
}

/** How each kernel operand that is a fused view is read (the renderer's `views`). */
const viewsOf = (g: KernelGraph, operands: readonly Node[]): (ViewRead | undefined)[] => operands.map((n) => g.views.get(n)?.read)

const lastKernelStep = (l: NodeLowering | undefined): KernelStep | undefined => {
  const last = l && 'kernel' in l ? l.kernel.steps.at(-1) : undefined
  return last && 'body' in last ? last : undefined
}

/**
 * An elementwise chain after a producer whose stores may be wrapped runs in
 * the producer's kernel: each link the only user of the one before, its
 * other operands computed before the producer runs, within the storage
 * buffers a kernel may bind.
 */
export const fuseEpilogues: Pass = (g) => {
  const { realized, target } = g.ctx
  const targets = new Set(g.targets)
  const isInlined = (n: Node) => g.inlined.has(n)
  const chains = new Map<Node, readonly Node[]>()
  const fused = new Set<Node>()
  // Nodes whose value is in a buffer by the time the node being visited runs.
  const available = new Set<Node>()
  const ready = (n: Node): boolean => available.has(n) || g.literals.has(n) || (g.inlined.has(n) && n.inputs.every(ready))
  const chainAfter = (node: Node, bindingsUsed: number): Node[] => {
    const chain: Node[] = []
    for (let tail = node; ; ) {
      if (targets.has(tail) || usesOf(g, tail) !== 1) return chain
      const next = consumerOf(g, tail)!
      if (realized(next) || g.inlined.has(next) || !fusable(tail, next) || !next.inputs.slice(1).every(ready)) return chain
      if (bindingsUsed + extraOperands([...chain, next], isInlined).length > target.maxStorageBuffersPerShaderStage) return chain
      chain.push(next)
      tail = next
    }
  }
  for (const node of g.order) {
    if (g.literals.has(node) || g.inlined.has(node) || fused.has(node)) continue
    // A fused view is read where its source is, which is already available.
    if (g.views.has(node)) {
      available.add(node)
      continue
    }
    const last = lastKernelStep(g.lowered.get(node))
    const chain = last?.epilogue ? chainAfter(node, last.bindings.filter((b) => !('texture' in b)).length) : []
    if (chain.length) {
      chains.set(node, chain)
      for (const link of chain) fused.add(link)
    }
    available.add(chain.at(-1) ?? node)
  }
  return { ...g, chains }
}

/**
 * A one-step kernel may write its output over a donated input 0 that nothing
 * reads after it, when the recorded loads show it reads that input only at
 * the element it writes (`i`) and writes only there. Its loads and stores
 * are recorded by rendering it once, with its epilogue, without writing the
 * plan.
 */
export const planInPlace: Pass = (g) => {
  const overwrites = new Map<Node, Node>()
  const producerOf = fusedNodes(g)
  const hasBuffer = (n: Node) => !g.literals.has(n) && !g.inlined.has(n) && !g.views.has(n) && (!producerOf.has(n) || g.chains.get(producerOf.get(n)!)!.at(-1) === n)
  walk(g, {
    run: (node, remaining) => {
      const lowered = g.lowered.get(node)
      const victim = node.inputs[0]
      if (!lowered || !('kernel' in lowered) || lowered.kernel.steps.length !== 1 || !g.ctx.donated.has(victim)) return
      const step = lastKernelStep(lowered)
      const chain = g.chains.get(node) ?? []
      const tail = chain.at(-1) ?? node
      if (!step || !('threads' in step.dispatch) || step.dispatch.threads !== sizeOf(tail.shape)) return
      if (lowered.operands[0] !== victim || !step.bindings.some((b) => 'input' in b && b.input === 0 && b.view === undefined)) return
      if (remaining(victim) !== 1 || !hasBuffer(victim) || victim.dtype !== tail.dtype || nodeBytes(victim) !== nodeBytes(tail)) return
      const epilogue = chain.length ? chainEpilogue(chain, (n) => g.inlined.has(n)) : undefined
      const rendered = renderKernel(step, {
        target: g.ctx.target,
        operands: lowered.operands,
        output: tail.dtype,
        epilogue,
        views: viewsOf(g, [...lowered.operands, ...(epilogue?.extra ?? [])]),
      })
      if (rendered.loads.every((l) => l.operand !== 0 || l.index === 'i') && rendered.stores.every((index) => index === 'i')) overwrites.set(node, victim)
    },
  })
  return { ...g, overwrites }
}

/**
 * Buffers for every value that exists in memory, reused once their last
 * reader has run (a buffer may back several nodes: views), texture operands,
 * reused by the next node of their size, and the plan's steps in order,
 * kernels still as IR.
 */
export const assignBuffers: Pass = (g) => {
  const buffers: BufferDecl[] = []
  const textures: TextureDecl[] = []
  const steps: (Step | PendingKernel)[] = []
  const bufferOf = new Map<Node, number>()
  const external = new Map<number, GPUBuffer>()
  const keep: Node[] = []
  const inPlace = new Map<Node, Node>()
  const targets = new Set(g.targets)
  const holders = new Map<number, Set<Node>>()
  const free: number[] = []
  const freeTextures: number[] = []
  let faultBuffer: number | undefined

  const allocate = (bytes: number): number => {
    const i = free.findIndex((id) => buffers[id].bytes === bytes)
    if (i >= 0) return free.splice(i, 1)[0]
    return buffers.push({ bytes }) - 1
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

  walk(g, {
    lastUse: (node) => {
      if (!targets.has(node) && !keep.includes(node)) release(node)
    },
    run: (node) => {
      const lowered = g.lowered.get(node)!
      if ('realized' in lowered) {
        const id = buffers.push({ bytes: nodeBytes(node) }) - 1
        external.set(id, lowered.realized)
        return hold(node, id)
      }
      if ('placeholder' in lowered) return hold(node, allocate(4))
      if ('upload' in lowered) {
        const id = allocate(nodeBytes(node))
        steps.push({ kind: 'writeBuffer', dst: id, data: lowered.upload })
        if (lowered.keep) keep.push(node)
        return hold(node, id)
      }
      if ('alias' in lowered) return hold(node, bufferOf.get(node.inputs[lowered.alias])!)
      const { kernel, operands } = lowered
      const chain = g.chains.get(node) ?? []
      const tail = chain.at(-1) ?? node
      const victim = g.overwrites.get(node)
      const out = victim ? bufferOf.get(victim)! : allocate(nodeBytes(tail))
      if (victim) inPlace.set(tail, victim)
      const scratch = (kernel.scratchBytes ?? []).map((b) => allocate(Math.max(4, b)))
      // Texture operands live for one node (its copies fill them, its own steps read them), so a later
      // node takes a free one of its size: the plan's textures, which the executor takes from its pool
      // per run, are as many as one node needs at a time rather than one per operand of the program.
      const texture = (kernel.textures ?? []).map(([width, height]) => {
        const i = freeTextures.findIndex((id) => textures[id].width === width && textures[id].height === height)
        return i >= 0 ? freeTextures.splice(i, 1)[0] : textures.push({ width, height, label: node.op }) - 1
      })
      // The fault record's buffer is numbered where the first kernel that checks its inputs appears.
      if (kernel.steps.some((s) => 'bindings' in s && s.bindings.some((b) => 'fault' in b))) faultBuffer ??= buffers.push({ bytes: FAULT_BYTES }) - 1
      const extra = chain.length ? chainEpilogue(chain, (n) => g.inlined.has(n)).extra : []
      const read = [...operands, ...extra]
      // A fused view is read from its source's buffer, through its index map.
      const bound = (n: Node) => g.views.get(n)?.source ?? n
      const bufferFor = (b: KernelBinding | { readonly scratch: number }): number =>
        'input' in b
          ? bufferOf.get(bound(read[b.input]))!
          : 'output' in b
            ? out
            : 'scratch' in b
              ? scratch[b.scratch]
              : 'fault' in b
                ? faultBuffer!
                : -1
      const bind = (b: KernelBinding): Binding =>
        'texture' in b ? { texture: texture[b.texture], access: 'read' } : { buffer: bufferFor(b), access: 'input' in b ? 'read' : 'read_write' }
      const last = kernel.steps.at(-1)
      for (const step of kernel.steps) {
        if ('copyToTexture' in step) {
          const c = step.copyToTexture
          steps.push({ kind: 'copyBufferToTexture', src: bufferFor(c.source), dst: texture[c.texture], rows: c.rows, cols: c.cols, label: node.op })
          continue
        }
        const isLast = step === last
        steps.push({
          kind: 'kernel',
          step,
          operands,
          output: isLast ? tail.dtype : node.dtype,
          chain: isLast ? chain : [],
          inPlace: victim !== undefined,
          views: viewsOf(g, read),
          bind,
          label: isLast ? [node.op, ...chain.map((c) => c.op)].join('+') : node.op,
        })
      }
      free.push(...scratch)
      freeTextures.push(...texture)
      hold(tail, out)
    },
  })
  for (const t of g.targets) if (!keep.includes(t)) keep.push(t)
  const assignment: Assignment = { buffers, textures, steps, bufferOf, external, keep, inPlace, faultBuffer }
  return { ...g, assignment }
}
