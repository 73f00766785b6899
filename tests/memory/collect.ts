/**
 * A full collection on demand. No --expose-gc needed: V8 lets a running
 * process turn the flag on and hands out gc() in a new context.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { setTimeout as sleep } from 'node:timers/promises'

setFlagsFromString('--expose-gc')
export const gc = runInNewContext('gc') as () => void

/** Collects, and lets the finalizers (which free dropped tensors' device memory) run. */
export const collect = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) {
    gc()
    await sleep(10)
  }
}
