// WGSL lowering of the conv ops (registered with the compiler).
export {}
