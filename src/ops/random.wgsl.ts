/**
 * Counter-based random numbers: value i of a tensor is a pure function of
 * (seed, i), so results do not depend on dispatch order, adapter or run.
 * The integer hash is the PCG output permutation applied twice.
 */
export const hashWgsl = `
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn uniform01(seed: u32, i: u32) -> f32 {
  return f32(pcg(pcg(seed) ^ i) >> 8u) / 16777216.0;
}
fn normal01(seed: u32, i: u32) -> f32 {
  let u1 = (f32(pcg(pcg(seed) ^ (2u * i)) >> 8u) + 1.0) / 16777217.0;
  let u2 = f32(pcg(pcg(seed ^ 0x9e3779b9u) ^ (2u * i + 1u)) >> 8u) / 16777216.0;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}`
