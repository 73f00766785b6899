/**
 * WGSL of max pooling's indices and of max unpooling, for any number of spatial axes: the
 * window loops and the flat per-plane index are generated per axis (PyTorch's index is
 * row-major over the plane: h·W + w in 2-D).
 */
import type { NodeOf } from '../graph.ts'
import type { KernelStep, Lowering } from '../compiler/kernel.ts'
import { perElement } from '../compiler/wgsl.ts'
import { poolParams } from '../shape/pool.ts'

import { reportBadIndex } from '../faults.ts'

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1)

/** Splits the flat index `i` of a [N, C, …dims] element into `plane` (n·C + c) and i32 coordinates `${name}0`, `${name}1`, …. */
const coordinates = (dims: readonly number[], name: string) =>
  [
    '  var rest = i;',
    ...dims.flatMap((d, a) => [`  let ${name}${dims.length - 1 - a} = i32(rest % ${dims[dims.length - 1 - a]}u);`, `  rest = rest / ${dims[dims.length - 1 - a]}u;`]),
    '  let plane = rest;',
  ].join('\n')

/**
 * The per-plane flat index of each window's maximum, in PyTorch's scan order (row-major over the
 * window, padding skipped): the first maximum wins ties, a NaN takes over, as the values' kernel
 * and the gradient's argmax decide, so indices, values and gradient agree.
 */
export const lowerMaxPoolIndices = (node: NodeOf<'maxPoolIndices'>): Lowering => {
  const input = node.inputs[0].shape.slice(2)
  const axes = input.map((_, a) => poolParams(node.params, a))
  const flat = input.map((_, a) => `p${a}`).reduce((acc, p, a) => `(${acc}) * ${input[a]} + ${p}`)
  const loops = axes.map((w, a) => `  for (var k${a} = 0; k${a} < ${w.kernel}; k${a}++) {
  let p${a} = o${a} * ${w.stride} - ${w.padding} + k${a} * ${w.dilation};
  if (p${a} < 0 || p${a} >= ${input[a]}) { continue; }`)
  const step = perElement(node, (io) => `${coordinates(node.shape.slice(2), 'o')}
  var best = ${io.literal(-Infinity, 'float32')};
  var at = -1;
${loops.join('\n')}
  let here = ${flat};
  let v = ${io.load(0, `plane * ${product(input)}u + u32(here)`)};
  if (at < 0 || v > best || v != v) { best = v; at = here; }
${axes.map(() => '  }').join('\n')}
  ${io.store('i', 'at')}`)
  return { steps: [step] }
}

/**
 * maxUnpool, inputs [values, indices]: zeros, then each value written to its index in its plane.
 * Indices that come from one maxPool never disagree (a repeated index carries the same maximum),
 * so the scatter has no race that matters. An index outside the plane is skipped and recorded as a
 * fault, which the next read throws as an IndexError (PyTorch raises on it).
 */
export const lowerMaxUnpool = (node: NodeOf<'maxUnpool1d' | 'maxUnpool2d' | 'maxUnpool3d'>): Lowering => {
  const [values] = node.inputs
  const outPlane = product(node.shape.slice(2))
  const zeros: KernelStep = { label: `${node.op} zeros`, bindings: [{ output: true }], dispatch: { threads: product(node.shape) }, body: (io) => `  ${io.store('i', '0.0')}` }
  const scatter: KernelStep = {
    label: `${node.op} scatter`,
    bindings: [{ input: 0 }, { input: 1 }, { output: true }, { fault: true }],
    dispatch: { threads: product(values.shape) },
    body: (io) => `  let at = ${io.load(1, 'i')};
${reportBadIndex(node.op, 'at', 'i', outPlane)}
  if (at >= 0 && at < ${outPlane}) { ${io.store(`(i / ${product(values.shape.slice(2))}u) * ${outPlane}u + u32(at)`, io.load(0, 'i'))} }`,
  }
  return { steps: [zeros, scatter] }
}

/** maxUnpool's input gradient, inputs [indices, dy]: each value's cotangent read back from its index (0 outside the plane). */
export const lowerMaxUnpoolGrad = (node: NodeOf<'maxUnpoolGrad'>): Lowering => {
  const [indices, dy] = node.inputs
  const outPlane = product(dy.shape.slice(2))
  return {
    steps: [
      perElement(node, (io) => `  let at = ${io.load(0, 'i')};
  var g = 0.0;
  if (at >= 0 && at < ${outPlane}) { g = ${io.load(1, `(i / ${product(indices.shape.slice(2))}u) * ${outPlane}u + u32(at)`)}; }
  ${io.store('i', 'g')}`),
    ],
  }
}
