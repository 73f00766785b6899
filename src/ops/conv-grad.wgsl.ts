// WGSL of the conv-grad kernels (registered with the compiler).
export {}
