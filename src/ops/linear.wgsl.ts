// WGSL lowering of the linear ops (registered with the compiler).
export {}
