// WGSL lowering of the reduce ops (registered with the compiler).
export {}
