/**
 * The primitives a graph starts from whose values the runtime binds rather than computes:
 * host data (`constant`) and values already on the device (`external`: a traced argument, a
 * compiled step's output, or a node whose graph was released). Nothing flows back through them
 * and no kernel computes them.
 */
import { definePrimitive, noGradient } from './primitive.ts'

const bound = (op: string) => (): never => {
  throw new Error(`${op}: the runtime binds this value; it is never lowered to a kernel`)
}
const noRule = (op: string) => (): never => {
  throw new Error(`${op}: made with its shape by makeNode; there is nothing to infer it from`)
}

export const constant = definePrimitive('constant', { shape: noRule('constant'), vjp: noGradient, lower: bound('constant') })
export const external = definePrimitive('external', { shape: noRule('external'), vjp: noGradient, lower: bound('external') })
