/**
 * ONNX export by tracing. shapewise's tensors are lazy, so calling the model
 * on placeholder inputs records its whole forward graph without computing
 * anything; each recorded op becomes ONNX nodes (see ops.ts), and every
 * value that does not depend on the inputs — the parameters the function
 * closes over, constants, tensors made inside it — is computed once and
 * stored as an initializer.
 *
 * Dynamic dims (a string in an input shape) are handled by tracing twice, at
 * two different sizes of each: the two graphs must have the same ops, and
 * whatever differs between them (a reshape target, 'same' padding at stride
 * > 1) is exactly what has to follow the input size at run time.
 */
import { makeNode, topologicalOrder, type Node, type NodeOf } from '../../graph.ts'
import type { Primitive } from '../../core/params.ts'
import { external } from '../../core/leaves.ts'
import { realize } from '../../realize.ts'
import { ShapeError } from '../../shape/errors.ts'
import { wrap, type Tensor } from '../../tensor.ts'
import { isTensor, type AnyTensor } from '../../tree.ts'
import { writeFileAtomic } from '../atomic.ts'
import { OnnxExportError } from '../errors.ts'
import { pytorchNames } from '../names.ts'
import { GraphBuilder } from './builder.ts'
import { CONVERTERS } from './ops.ts'
import { ELEMENT_TYPE, encodeModel, type ValueInfoMessage } from './proto.ts'

/** The ONNX value of `node` by its primitive's converter, or the OnnxExportError saying why there is none. */
const convert = <P extends Primitive>(node: NodeOf<P>, other: Node, inputs: readonly string[], graph: GraphBuilder): string => {
  const converter = CONVERTERS[node.op]
  if (converter === undefined) throw new OnnxExportError(node.op, 'has no ONNX translation yet')
  if (typeof converter === 'string') throw new OnnxExportError(node.op, converter)
  return converter({ node, other, inputs, graph })
}

/** A dim of an input shape: a size, or the name of a dynamic dim ('N', 'batch'). */
export type DimSpec = number | string
/** The tensor a traced function receives for an input shape: named dims are `number`. */
export type TracedInput<S extends readonly DimSpec[]> = Tensor<{ -readonly [I in keyof S]: S[I] extends number ? S[I] : number }>

export interface ExportOnnxOptions {
  /** ONNX opset, 13 to 17 (default 17). */
  readonly opset?: number
  /** Names of the graph inputs (default 'input', or 'input_0', 'input_1', …). */
  readonly inputNames?: readonly string[]
  /** Names of the graph outputs (default 'output', or 'output_0', …). */
  readonly outputNames?: readonly string[]
  /** Also write the model to this file, atomically. */
  readonly path?: string
  /** The parameter tree the function closes over: its tensors become initializers under their PyTorch names (conv1.weight, …). */
  readonly params?: unknown
  /**
   * The two sizes each dynamic dim is traced at (default [2, 3]). Pick sizes
   * the model accepts and that tell its output sizes apart: a dim equal at
   * both (ceil(9 / 2) = ceil(10 / 2)) is declared static in the graph.
   */
  readonly traceSizes?: Readonly<Record<string, readonly [number, number]>>
  /** The graph's name (default 'shapewise'). */
  readonly graphName?: string
}

const IR_VERSION = 8
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

interface Trace {
  readonly inputs: readonly Node[]
  readonly outputs: readonly Node[]
  readonly order: readonly Node[]
  readonly live: ReadonlySet<Node>
}

const trace = (
  fn: (...inputs: AnyTensor[]) => unknown,
  shapes: readonly (readonly DimSpec[])[],
  sizes: ReadonlyMap<string, number>,
): Trace => {
  const placeholders = shapes.map((shape, i) =>
    wrap(makeNode(external, [], { onnxInput: i }, shape.map((d) => (typeof d === 'string' ? sizes.get(d)! : d)), 'float32')) as AnyTensor)
  const at = [...sizes].map(([name, size]) => `${name} = ${size}`).join(', ')
  try {
    let result: unknown
    try {
      result = fn(...placeholders)
    } catch (error) {
      if (error instanceof ShapeError) throw new OnnxExportError(undefined, `tracing ${at ? `at ${at}` : 'the function'} failed: ${error.message}`)
      throw error
    }
    if (result instanceof Promise) throw new OnnxExportError(undefined, 'the function returned a promise; export a synchronous forward function')
    const outputs = Array.isArray(result) ? result : [result]
    if (!outputs.length || !outputs.every(isTensor)) throw new OnnxExportError(undefined, 'the function must return a tensor or an array of tensors')
    const outputNodes = (outputs as AnyTensor[]).map((t) => t.node)
    const order = topologicalOrder(outputNodes)
    const inputs = placeholders.map((t) => t.node)
    const live = new Set<Node>(inputs)
    for (const node of order) if (node.inputs.some((n) => live.has(n))) live.add(node)
    return { inputs, outputs: outputNodes, order, live }
  } finally {
    for (const t of placeholders) t.dispose()
  }
}

const defaultNames = (base: string, count: number) => (count === 1 ? [base] : Array.from({ length: count }, (_, i) => `${base}_${i}`))

/**
 * Exports a forward function to ONNX: traces `fn` on inputs of the given
 * shapes (a string dim is dynamic and named in the graph, so one file runs at
 * any batch size), turns the parameters it closes over into initializers and
 * returns the model's bytes. An op ONNX cannot express is an OnnxExportError
 * naming the op and the reason; the file is never written wrong.
 *
 * @example
 * import { existsSync } from 'node:fs'
 * import { linear, relu, pipe } from 'shapewise'
 * import { exportOnnx } from 'shapewise/io'
 * import { linearParams } from 'shapewise/nn'
 * const params = linearParams({ inFeatures: 4, outFeatures: 2 })
 * // 'N' is a dynamic dim: the file runs at any batch size.
 * const bytes = await exportOnnx((x) => pipe(x, linear(params), relu), [['N', 4]], { params, path: 'model.onnx' })
 * existsSync('model.onnx') // → true
 * // onnxruntime: (await InferenceSession.create(bytes)).run({ input: new ort.Tensor('float32', data, [n, 4]) })
 */
export async function exportOnnx<const Shapes extends readonly (readonly DimSpec[])[]>(
  fn: (...inputs: { -readonly [I in keyof Shapes]: TracedInput<Shapes[I]> }) => AnyTensor | readonly AnyTensor[],
  inputShapes: Shapes,
  options: ExportOnnxOptions = {},
): Promise<Uint8Array> {
  const opset = options.opset ?? 17
  if (!(Number.isInteger(opset) && opset >= 13 && opset <= 17)) throw new OnnxExportError(undefined, `opset ${opset} is not supported; shapewise exports opsets 13 to 17`)
  const sizes = traceSizes(inputShapes, options)
  const traced = fn as unknown as (...inputs: AnyTensor[]) => unknown
  const first = trace(traced, inputShapes, new Map([...sizes].map(([n, s]) => [n, s[0]])))
  const second = sizes.size ? trace(traced, inputShapes, new Map([...sizes].map(([n, s]) => [n, s[1]]))) : first
  if (first.order.length !== second.order.length || first.order.some((n, i) => n.op !== second.order[i].op || first.live.has(n) !== second.live.has(second.order[i])))
    throw new OnnxExportError(undefined, `the traced graph changes with the size of the dynamic dims (${[...sizes.keys()].join(', ')}); only the sizes may depend on them`)
  const twin = new Map(first.order.map((n, i) => [n, second.order[i]]))

  const inputNames = options.inputNames ?? defaultNames('input', inputShapes.length)
  const outputNames = options.outputNames ?? defaultNames('output', first.outputs.length)
  if (inputNames.length !== inputShapes.length) throw new OnnxExportError(undefined, `${inputNames.length} input names for ${inputShapes.length} inputs`)
  if (outputNames.length !== first.outputs.length) throw new OnnxExportError(undefined, `${outputNames.length} output names for ${first.outputs.length} outputs`)
  const graph = new GraphBuilder(opset)
  for (const name of [...inputNames, ...outputNames]) if (!graph.reserve(name)) throw new OnnxExportError(undefined, `the name '${name}' is given twice`)

  const names = new Map<Node, string>(first.inputs.map((n, i) => [n, inputNames[i]]))
  for (const [node, name] of await foldConstants(first, twin, graph, options.params)) names.set(node, name)
  for (const node of first.order) {
    if (!first.live.has(node) || names.has(node)) continue
    names.set(node, convert(node, twin.get(node)!, node.inputs.map((n) => names.get(n)!), graph))
  }

  // A dim that differs between the traces is dynamic: named when it is one of the input's named dims.
  const dimOf = (a: number, b: number, fallback: string) => {
    if (a === b) return { dim_value: a }
    const named = [...sizes].find(([, s]) => s[0] === a && s[1] === b)
    return { dim_param: named ? named[0] : fallback }
  }
  const outputs = first.outputs.map((node, i) => {
    graph.add('Identity', [names.get(node)!], [], outputNames[i])
    const other = second.outputs[i]
    return valueInfo(outputNames[i], ELEMENT_TYPE[node.dtype], node.shape.map((d, k) => dimOf(d, other.shape[k], `${outputNames[i]}_dim${k}`)))
  })
  const inputs = inputShapes.map((shape, i) =>
    valueInfo(inputNames[i], ELEMENT_TYPE.float32, shape.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d }))))

  const bytes = encodeModel({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'shapewise',
    producer_version: '',
    graph: { name: options.graphName ?? 'shapewise', node: graph.nodes, initializer: graph.initializers, input: inputs, output: outputs },
  })
  if (options.path !== undefined) await writeFileAtomic(options.path, [bytes])
  return bytes
}

/** The two trace sizes of each named dim of the input shapes, checked. */
const traceSizes = (inputShapes: readonly (readonly DimSpec[])[], options: ExportOnnxOptions): Map<string, readonly [number, number]> => {
  if (!inputShapes.length) throw new OnnxExportError(undefined, 'give the shape of at least one input')
  const dynamic = new Set<string>()
  for (const shape of inputShapes)
    for (const d of shape) {
      if (typeof d === 'string') {
        if (!IDENTIFIER.test(d)) throw new OnnxExportError(undefined, `dynamic dim name '${d}' is not an identifier`)
        dynamic.add(d)
      } else if (!(Number.isInteger(d) && d > 0)) throw new OnnxExportError(undefined, `input dim ${d} must be a positive integer or a name`)
    }
  for (const name of Object.keys(options.traceSizes ?? {}))
    if (!dynamic.has(name)) throw new OnnxExportError(undefined, `traceSizes.${name} names no dynamic dim of the input shapes (${[...dynamic].join(', ') || 'none'})`)
  const sizes = new Map([...dynamic].map((name) => [name, options.traceSizes?.[name] ?? ([2, 3] as const)] as const))
  for (const [name, [first, second]] of sizes)
    if (!(Number.isInteger(first) && Number.isInteger(second) && first > 0 && second > 0 && first !== second))
      throw new OnnxExportError(undefined, `traceSizes.${name} must be two different positive integers, got [${first}, ${second}]`)
  return sizes
}

/**
 * Computes the values the traced graph uses but that do not depend on its
 * inputs (parameters, constants, tensors made inside the function) and stores
 * them as initializers, under their PyTorch names when `params` names them.
 * Returns each folded node's initializer name.
 */
const foldConstants = async (first: Trace, twin: ReadonlyMap<Node, Node>, graph: GraphBuilder, params: unknown): Promise<Map<Node, string>> => {
  const needed = new Set<Node>(first.outputs)
  for (const node of first.live) for (const input of node.inputs) needed.add(input)
  const folded = first.order.filter((n) => !first.live.has(n) && needed.has(n))
  for (const node of folded) {
    const other = twin.get(node)!
    if (node.shape.join() !== other.shape.join())
      throw new OnnxExportError(node.op, `a tensor made inside the function has a shape that depends on the dynamic dims ([${node.shape.join(', ')}] vs [${other.shape.join(', ')}]); derive it from the input instead`)
  }
  // Host constants are used as they are; the rest is computed on the device in one plan.
  const onDevice = folded.filter((n) => !n.data)
  const values = onDevice.length ? await realize(onDevice) : []
  const computed = new Map(onDevice.map((n, i) => [n, values[i]]))
  const paramNames = new Map(params === undefined ? [] : pytorchNames(params, 'exportOnnx params').map(([name, t]) => [t.node, name]))
  return new Map(folded.map((node) => {
    const wanted = paramNames.get(node)
    const name = wanted !== undefined && graph.reserve(wanted) ? wanted : graph.fresh(`${node.op}_value`)
    graph.initializer(name, node.dtype, node.shape, computed.get(node) ?? node.data!)
    return [node, name] as const
  }))
}

const valueInfo = (name: string, elemType: number, dims: ({ dim_value: number } | { dim_param: string })[]): ValueInfoMessage => ({
  name, type: { tensor_type: { elem_type: elemType, shape: { dim: dims } } },
})
