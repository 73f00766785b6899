// Small WGSL kernels for runtime tests (the runtime itself owns no ops).

/** c[i] = a[i] + b[i] for i < n. */
export function addWgsl(n: number): string {
  return `// test add ${n}
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < ${n}u) { c[g.x] = a[g.x] + b[g.x]; }
}
`
}

/** x[i] = x[i] * s for i < n, in place. */
export function scaleInPlaceWgsl(n: number, s: number): string {
  return `// test scale ${n} by ${s}
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < ${n}u) { x[g.x] = x[g.x] * ${s.toFixed(6)}; }
}
`
}

/** Copies a width×height rgba32float texture (read-only storage binding) into a vec4 buffer, row-major. */
export function textureToBufferWgsl(width: number, height: number): string {
  return `// test texture dump ${width}x${height}
@group(0) @binding(0) var t: texture_storage_2d<rgba32float, read>;
@group(0) @binding(1) var<storage, read_write> o: array<vec4f>;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < ${width}u && g.y < ${height}u) { o[g.y * ${width}u + g.x] = textureLoad(t, vec2u(g.x, g.y)); }
}
`
}

export const iota = (n: number, f: (i: number) => number = (i) => i) => Float32Array.from({ length: n }, (_, i) => f(i))
