/**
 * interpolate as ONNX Resize (opset 13+). PyTorch's coordinate mappings have exact Resize
 * counterparts:
 *
 *   nearest        asymmetric, nearest_mode floor           src = ⌊o / scale⌋
 *   nearest-exact  half_pixel, nearest_mode round_prefer_ceil  src = ⌊(o + ½) / scale⌋
 *   linear modes   half_pixel (clamped at 0 by Resize's linear, as by PyTorch), or align_corners
 *   bicubic        cubic, cubic_coeff_a −0.75, half_pixel (no clamp) or align_corners
 *
 * half_pixel rather than pytorch_half_pixel: the latter maps every coordinate to 0 when the output
 * has one element, which PyTorch no longer does. Where PyTorch maps by the scale factor (given and
 * not recomputed), Resize gets `scales`, which it both sizes the output with (⌊in · scale⌋) and
 * maps by; elsewhere it gets the output's `sizes`, and maps by in/out as PyTorch then does.
 */
import { axisValue } from '../../shape/errors.ts'
import { OnnxExportError } from '../errors.ts'
import { attribute as a } from './builder.ts'
import type { Converter } from './ops.ts'
import { CUBIC_A } from '../../ops/interpolate.wgsl.ts'

export const interpolateResize: Converter<'interpolate'> = ({ node, other, inputs, graph }) => {
  const o = node.params
  const linear = o.mode === 'linear' || o.mode === 'bilinear' || o.mode === 'trilinear'
  const interpolating = linear || o.mode === 'bicubic'
  const transform = o.mode === 'nearest' ? 'asymmetric' : o.alignCorners === true ? 'align_corners' : 'half_pixel'
  const attributes = [
    a.string('mode', o.mode === 'bicubic' ? 'cubic' : interpolating ? 'linear' : 'nearest'),
    a.string('coordinate_transformation_mode', transform),
    ...(interpolating ? [] : [a.string('nearest_mode', o.mode === 'nearest' ? 'floor' : 'round_prefer_ceil')]),
    ...(o.mode === 'bicubic' ? [a.float('cubic_coeff_a', CUBIC_A)] : []),
  ]
  const spatial = (n: typeof node | typeof other) => n.shape.slice(2)
  const inputSpatial = (n: typeof node | typeof other) => n.inputs[0].shape.slice(2)
  if (o.size === undefined && o.recomputeScaleFactor !== true) {
    // PyTorch's linear modes map an axis whose size does not change by 1, whatever the scale factor.
    const scalesAt = (n: typeof node | typeof other) =>
      inputSpatial(n).map((d, i) => (linear && spatial(n)[i] === d ? 1 : axisValue(o.scaleFactor, i, 1)))
    const scales = scalesAt(node)
    if (JSON.stringify(scales) !== JSON.stringify(scalesAt(other)))
      throw new OnnxExportError(node.op, 'an axis keeps its size at one traced size and not at the other, so no single scale reproduces the linear mapping')
    const name = graph.initializer(graph.fresh('scales'), 'float32', [scales.length + 2], Float32Array.from([1, 1, ...scales]))
    return graph.add('Resize', [inputs[0], '', name], attributes)
  }
  if (JSON.stringify(spatial(node)) !== JSON.stringify(spatial(other)))
    throw new OnnxExportError(node.op, 'recomputeScaleFactor with a dynamic spatial size: Resize would map by the scale factor, PyTorch by in/out')
  // A fixed output size: N and C come from the input at run time, the spatial sizes are constants.
  const shape = graph.add('Shape', [inputs[0]])
  const batchAndChannels = graph.add('Slice', [shape, graph.int64s('zero', [0]), graph.int64s('two', [2])])
  const sizes = graph.add('Concat', [batchAndChannels, graph.int64s('size', spatial(node))], [a.int('axis', 0)])
  return graph.add('Resize', [inputs[0], '', '', sizes], attributes)
}
