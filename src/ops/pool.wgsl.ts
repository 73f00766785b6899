// WGSL lowering of the pool ops (registered with the compiler).
export {}
