// Which adapter shapewise gets on this machine, and why: the first thing bench/gpu/run.sh
// prints. Writes the answer as JSON to the file named by its argument (when given).
//   npx tsx bench/gpu/adapter.ts [FILE]
import { writeFileSync } from 'node:fs'
import { backendInfo } from '../../src/index.ts'
import { gpuAdapterPossible } from '../../src/runtime/device.ts'

const possible = gpuAdapterPossible()
const info = await backendInfo()
const answer = {
  gpu: !info.software,
  backend: info.backend,
  device: info.device,
  description: info.description,
  vendor: info.vendor,
  architecture: info.architecture,
  featureLevel: info.featureLevel,
  features: info.features,
  why: possible.why,
}
console.log(
  answer.gpu
    ? `adapter: ${info.device} (${info.description}) through ${info.backend}: a GPU (${possible.why})`
    : `adapter: no GPU adapter (${possible.possible ? 'Dawn found none' : possible.why}); falling back to the software adapter ${info.device} (${info.backend})`,
)
if (process.argv[2]) writeFileSync(process.argv[2], JSON.stringify(answer, null, 2))
process.exit(0)
