// WGSL generators for C = A·B (A: M×K, B: K×N, C: M×N, all row-major f32),
// in the three styles compared on llvmpipe (one output per invocation,
// workgroup-memory tiles, register tiles). Parameterised so the
// compiler can adopt the winner and tune it per adapter.
//
// Shapes are baked in as constants (no uniforms), like every shapewise kernel.
// The tiled generators emit straight-line code for the per-invocation tile:
// named vec4 accumulators instead of an indexed private array, because an
// indexed array tends to live in memory (it does on llvmpipe's GLSL path),
// while named values stay in registers.

import type { BindingKind } from '../src/runtime/pipelines.ts'

export interface MatmulShape {
  readonly M: number
  readonly N: number
  readonly K: number
}

export interface MatmulKernel {
  readonly wgsl: string
  /** Workgroup counts to dispatch. */
  readonly workgroups: readonly [number, number, number]
  /** @binding order: A, B, C. */
  readonly bindings: readonly BindingKind[]
  /** How A and B are read. */
  readonly operands: 'buffer' | 'texture'
  readonly label: string
}

export interface NaiveParams extends MatmulShape {
  /** Invocations per workgroup [x (along N), y (along M)]. x should be a multiple of 8. */
  readonly workgroup: readonly [number, number]
}

/** (a) One output per invocation, operands from storage buffers. */
export function naiveMatmul(p: NaiveParams): MatmulKernel {
  const { M, N, K } = p
  const [wx, wy] = p.workgroup
  const wgsl = /* wgsl */ `// matmul naive ${M}x${N}x${K} wg ${wx}x${wy}
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
const M = ${M}u;
const N = ${N}u;
const K = ${K}u;
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(global_invocation_id) g: vec3u) {
  let n = g.x;
  let m = g.y;
  if (n >= N || m >= M) { return; }
  var acc = 0.0;
  for (var k = 0u; k < K; k++) {
    acc += A[m * K + k] * B[k * N + n];
  }
  C[m * N + n] = acc;
}
`
  return {
    wgsl,
    workgroups: [Math.ceil(N / wx), Math.ceil(M / wy), 1],
    bindings: ['buffer:read', 'buffer:read', 'buffer:read_write'],
    operands: 'buffer',
    label: `naive wg${wx}x${wy}`,
  }
}

export interface TiledParams extends MatmulShape {
  /** Output rows per invocation. */
  readonly tileM: number
  /** Output columns per invocation; a multiple of 4 (vec4 columns). */
  readonly tileN: number
  /** Invocations per workgroup [x (along N), y (along M)]. x should be a multiple of 8. */
  readonly workgroup: readonly [number, number]
  /**
   * 'buffer': A, B as array<vec4f> storage buffers (rows of K/4 and N/4 vec4).
   * 'texture': A as a (K/4)×M and B as an (N/4)×K rgba32float read-only
   * storage texture (texel (c, r) = columns 4c..4c+3 of row r); this needs the
   * WGSL language feature readonly_and_readwrite_storage_textures.
   */
  readonly operands: 'buffer' | 'texture'
}

/**
 * (b)/(c) Register tile: each invocation computes tileM×tileN outputs,
 * stepping K by 4 — per step tileM vec4 loads of A and 4·tileN/4 of B feed
 * tileM·tileN·4 multiply-adds. Requires M % tileM = N % tileN = K % 4 = 0
 * (the compiler pads otherwise).
 */
export function tiledMatmul(p: TiledParams): MatmulKernel {
  const { M, N, K, tileM: TM, tileN: TN, operands } = p
  const [wx, wy] = p.workgroup
  if (TN % 4 !== 0) throw new RangeError(`tileN must be a multiple of 4, got ${TN}`)
  if (M % TM !== 0 || N % TN !== 0 || K % 4 !== 0) {
    throw new RangeError(`tiledMatmul needs M % tileM = N % tileN = K % 4 = 0, got M=${M} N=${N} K=${K} tile ${TM}x${TN}`)
  }
  const TN4 = TN / 4
  const tex = operands === 'texture'
  const decls = tex
    ? `@group(0) @binding(0) var At: texture_storage_2d<rgba32float, read>;
@group(0) @binding(1) var Bt: texture_storage_2d<rgba32float, read>;`
    : `@group(0) @binding(0) var<storage, read> A: array<vec4f>;
@group(0) @binding(1) var<storage, read> B: array<vec4f>;`
  // A row (m0+i), k-quad k4 ; B row (k+r), vec4 column (n4+j).
  const loadA = (i: number) => (tex ? `textureLoad(At, vec2u(k4, m0 + ${i}u))` : `A[(m0 + ${i}u) * K4 + k4]`)
  const loadB = (r: number, j: number) => (tex ? `textureLoad(Bt, vec2u(n4 + ${j}u, k + ${r}u))` : `B[(k + ${r}u) * N4 + n4 + ${j}u]`)

  const lines: string[] = []
  const accDecl: string[] = []
  for (let i = 0; i < TM; i++) for (let j = 0; j < TN4; j++) accDecl.push(`  var c${i}_${j} = vec4f(0.0);`)
  for (let r = 0; r < 4; r++) for (let j = 0; j < TN4; j++) lines.push(`    let b${r}_${j} = ${loadB(r, j)};`)
  for (let i = 0; i < TM; i++) {
    lines.push(`    let a${i} = ${loadA(i)};`)
    for (let j = 0; j < TN4; j++) {
      // Plain mul/add, not fma(): fma() lowers to a library call on CPUs
      // (or GLSL paths) without fused multiply-add.
      lines.push(`    c${i}_${j} += a${i}.x * b0_${j} + a${i}.y * b1_${j} + a${i}.z * b2_${j} + a${i}.w * b3_${j};`)
    }
  }
  const stores: string[] = []
  for (let i = 0; i < TM; i++) for (let j = 0; j < TN4; j++) stores.push(`  C[(m0 + ${i}u) * N4 + n4 + ${j}u] = c${i}_${j};`)

  const wgsl = /* wgsl */ `// matmul ${operands} tile ${TM}x${TN} ${M}x${N}x${K} wg ${wx}x${wy}
${decls}
@group(0) @binding(2) var<storage, read_write> C: array<vec4f>;
const M = ${M}u;
const N4 = ${N / 4}u;
const K4 = ${K / 4}u;
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(global_invocation_id) g: vec3u) {
  let n4 = g.x * ${TN4}u;
  let m0 = g.y * ${TM}u;
  if (n4 >= N4 || m0 >= M) { return; }
${accDecl.join('\n')}
  for (var k4 = 0u; k4 < K4; k4++) {
    let k = k4 * 4u;
${lines.join('\n')}
  }
${stores.join('\n')}
}
`
  return {
    wgsl,
    workgroups: [Math.ceil(N / TN / wx), Math.ceil(M / TM / wy), 1],
    bindings: tex ? ['texture:read', 'texture:read', 'buffer:read_write'] : ['buffer:read', 'buffer:read', 'buffer:read_write'],
    operands,
    label: `${operands} tile ${TM}x${TN} wg${wx}x${wy}`,
  }
}

/** Float64-accumulated CPU reference (i-k-j order for cache-friendly rows). */
export function matmulCpu(a: Float32Array, b: Float32Array, { M, N, K }: MatmulShape): Float64Array {
  const c = new Float64Array(M * N)
  for (let i = 0; i < M; i++) {
    const row = i * N
    for (let k = 0; k < K; k++) {
      const aik = a[i * K + k]!
      if (aik === 0) continue
      const brow = k * N
      for (let j = 0; j < N; j++) c[row + j]! += aik * b[brow + j]!
    }
  }
  return c
}
