/** Assembles ONNX nodes, initializers and attributes, with unique value names. */
import type { DType, HostData } from '../../graph.ts'
import { ATTRIBUTE_TYPE, ELEMENT_TYPE, type AttributeMessage, type NodeMessage, type TensorMessage } from './proto.ts'

export const attribute = {
  int: (name: string, i: number): AttributeMessage => ({ name, type: ATTRIBUTE_TYPE.INT, i }),
  ints: (name: string, ints: readonly number[]): AttributeMessage => ({ name, type: ATTRIBUTE_TYPE.INTS, ints }),
  float: (name: string, f: number): AttributeMessage => ({ name, type: ATTRIBUTE_TYPE.FLOAT, f }),
  string: (name: string, s: string): AttributeMessage => ({ name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(s) }),
}

const bytesOf = (data: ArrayBufferView) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength)

export class GraphBuilder {
  /** The opset the graph is written for: a converter picks the newest form it allows (HardSwish from 14). */
  constructor(readonly opset = 17) {}

  readonly nodes: NodeMessage[] = []
  readonly initializers: TensorMessage[] = []
  readonly #used = new Set<string>()

  /** A value name not used before, from `base`. */
  fresh(base: string): string {
    let name = base
    for (let k = 1; this.#used.has(name); k++) name = `${base}_${k}`
    this.#used.add(name)
    return name
  }
  /** Reserves a name exactly (graph inputs and outputs); a clash is the caller's error. */
  reserve(name: string): boolean {
    if (this.#used.has(name)) return false
    this.#used.add(name)
    return true
  }

  /** Adds a node and returns the name of its (first) output. */
  add(opType: string, inputs: readonly string[], attributes: readonly AttributeMessage[] = [], output = this.fresh(opType.toLowerCase())): string {
    this.nodes.push({ op_type: opType, name: this.fresh(`node_${opType}`), input: [...inputs], output: [output], attribute: [...attributes] })
    return output
  }

  /** Adds a node with `count` outputs and returns their names (MaxPool's values and indices). */
  addOutputs(opType: string, inputs: readonly string[], attributes: readonly AttributeMessage[], count: number): string[] {
    const outputs = Array.from({ length: count }, () => this.fresh(opType.toLowerCase()))
    this.nodes.push({ op_type: opType, name: this.fresh(`node_${opType}`), input: [...inputs], output: outputs, attribute: [...attributes] })
    return outputs
  }

  /** Adds an initializer holding host data of a shapewise dtype. */
  initializer(name: string, dtype: DType, dims: readonly number[], data: HostData): string {
    this.initializers.push({ name, dims: [...dims], data_type: ELEMENT_TYPE[dtype], raw_data: bytesOf(dtype === 'bool' ? Uint8Array.from(data, (v) => (v ? 1 : 0)) : data) })
    return name
  }
  /** A 1-D int64 initializer (shapes, axes, pads, slice bounds). */
  int64s(base: string, values: readonly number[]): string {
    const name = this.fresh(base)
    this.initializers.push({ name, dims: [values.length], data_type: ELEMENT_TYPE.int64, raw_data: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) })
    return name
  }
  /** An int64 scalar initializer (Range's bounds). */
  int64(base: string, value: number): string {
    const name = this.fresh(base)
    this.initializers.push({ name, dims: [], data_type: ELEMENT_TYPE.int64, raw_data: bytesOf(BigInt64Array.of(BigInt(value))) })
    return name
  }
  /** A float32 scalar initializer. */
  float(base: string, value: number): string {
    const name = this.fresh(base)
    this.initializers.push({ name, dims: [], data_type: ELEMENT_TYPE.float32, raw_data: bytesOf(Float32Array.of(value)) })
    return name
  }
}
