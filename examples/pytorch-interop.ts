/**
 * From PyTorch to shapewise and back: load the lesson's `Net` from a
 * PyTorch state_dict saved as safetensors, check it against PyTorch's own
 * outputs, fine-tune it on MNIST digits, save it, and load it back in PyTorch.
 *
 *   npx tsx examples/pytorch-interop.ts [--weights net.safetensors] [--out folder]
 *
 * The default weights are tests/fixtures/io/net.safetensors, written by
 * PyTorch (tests/fixtures/generate_io.py). In PyTorch, the saved file loads with
 *
 *   from safetensors.torch import load_file
 *   net.load_state_dict(load_file('net-finetuned.safetensors'))
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { argmax, equal, jit, sum, valueAndGrad, where, type Tensor } from '../src/index.ts'
import { crossEntropy } from '../src/nn/index.ts'
import { adam, type OptimizerState } from '../src/optim/index.ts'
import { batches, loadMnist, normalize, splitTrainTest, subset } from '../src/data/index.ts'
import { loadSafetensors, saveSafetensors } from '../src/io/index.ts'
import { net, netParams, type NetParams } from './pytorch-models.ts'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const fixtures = fileURLToPath(new URL('../tests/fixtures/io/', import.meta.url))
const weightsFile = arg('weights', join(fixtures, 'net.safetensors'))
const out = arg('out', mkdtempSync(join(tmpdir(), 'shapewise-interop-')))

// 1. Load: the template is built with shapewise's initialisers; names and shapes are checked against the file.
const loaded = await loadSafetensors(weightsFile, { like: netParams() })
console.log(`loaded ${weightsFile}`)

// 2. Same outputs as PyTorch on PyTorch's own test input.
const reference = join(fixtures, 'net_io.safetensors')
if (weightsFile === join(fixtures, 'net.safetensors') && existsSync(reference)) {
  const { input, output } = await loadSafetensors(reference)
  const ours = await net(loaded)(input as Tensor<[4, 1, 28, 28]>).data()
  const theirs = (await output.data()) as Float32Array
  const difference = Math.max(...Array.from(ours, (v, i) => Math.abs(v - theirs[i])))
  console.log(`max difference from PyTorch's outputs: ${difference.toExponential(2)}`)
}

// 3. Fine-tune on MNIST digits.
const split = splitTrainTest(loadMnist(), 1000, 0)
// Every third training digit: the split keeps the digits grouped by class.
const [train, test] = [subset(split.train, Array.from({ length: 3000 }, (_, i) => 3 * i)), split.test]
for (const ds of [train, test]) ds.images.set(normalize(ds.images))
const accuracy = async (params: NetParams) => {
  let correct = 0
  for (const { x, y } of batches(test, { batchSize: 500 })) {
    const predicted = argmax({ axis: 1 })(net(params)(x as Tensor<[number, 1, 28, 28]>))
    correct += (await sum()(where(equal(predicted, y), 1, 0)).data())[0]
  }
  return correct / test.count
}
console.log(`held-out accuracy before fine-tuning: ${((await accuracy(loaded)) * 100).toFixed(1)} %`)

const optimizer = adam({ lr: 5e-3 })
const step = jit((params: NetParams, state: OptimizerState<unknown>, x: Tensor<[number, 1, 28, 28]>, y: Tensor<[number], 'int32'>) => {
  const [loss, grads] = valueAndGrad((p: NetParams) => crossEntropy(net(p)(x), y))(params)
  const [next, nextState] = optimizer.update(params, grads, state as never)
  return { params: next, state: nextState, loss }
})
let params = loaded
let state: OptimizerState<unknown> = optimizer.init(params)
for (const { x, y } of batches(train, { batchSize: 64, shuffle: true, seed: 1, dropLast: true })) {
  const result = await step(params, state, x as Tensor<[number, 1, 28, 28]>, y)
  ;[params, state] = [result.params as NetParams, result.state]
}
console.log(`held-out accuracy after one epoch on ${train.count} digits: ${((await accuracy(params)) * 100).toFixed(1)} %`)

// 4. Save under PyTorch's names, with this model's outputs on a few test digits for PyTorch to compare.
const savedWeights = join(out, 'net-finetuned.safetensors')
const savedOutputs = join(out, 'net-finetuned_io.safetensors')
const [probe] = batches(test, { batchSize: 4 })
await saveSafetensors(savedWeights, params, { metadata: { finetuned: 'mnist, 1 epoch' } })
await saveSafetensors(savedOutputs, { input: probe.x, output: net(params)(probe.x as Tensor<[number, 1, 28, 28]>) })
console.log(`saved ${savedWeights}`)

// 5. Back in PyTorch (Debian's python3-torch): strict load_state_dict, then the same outputs.
try {
  const report = execFileSync('/usr/bin/python3', [fileURLToPath(new URL('../tests/fixtures/generate_io.py', import.meta.url)), 'check-torch', 'net', savedWeights, savedOutputs], { encoding: 'utf8' })
  console.log(`PyTorch loaded it; relative error of its outputs: ${JSON.parse(report).relativeError.toExponential(2)}`)
} catch (error) {
  console.log(`PyTorch check skipped or failed (needs /usr/bin/python3 with torch): ${(error as Error).message.split('\n')[0]}`)
}
