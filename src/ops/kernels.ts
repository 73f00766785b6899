// Registers the WGSL lowering of every op family with the compiler.
import './elementwise.wgsl.ts'
import './creation.wgsl.ts'
import './conv.wgsl.ts'
import './pool.wgsl.ts'
import './linear.wgsl.ts'
import './reduce.wgsl.ts'
import './layout.wgsl.ts'
import './gradient.wgsl.ts'
