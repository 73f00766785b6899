// WGSL of the pool-grad kernels (registered with the compiler).
export {}
