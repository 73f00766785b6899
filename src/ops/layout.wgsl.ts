// WGSL lowering of the layout ops (registered with the compiler).
export {}
