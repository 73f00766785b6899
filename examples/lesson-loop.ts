/**
 * Lesson: the PyTorch notes' `Net` trained with their own loop — no `fit`:
 * SGD with lr 0.01 and momentum 0.5, and every 300 mini-batches the line
 * `[epoch, batch] loss: …` with the mean loss of those 300, as
 *
 *   running_loss += loss.item()
 *   if i % 300 == 299:
 *       print('[%d, %5d] loss: %.3f' % (epoch + 1, i + 1, running_loss / 300))
 *       running_loss = 0.0
 *
 * The step (forward, loss, backward, SGD update) is one jitted plan.
 *
 *   npx tsx examples/lesson-loop.ts        (2 epochs of 8,000 digits, batch 10: 800 batches each)
 */
import { jit, valueAndGrad, type Tensor } from '../src/index.ts'
import { crossEntropy } from '../src/nn/index.ts'
import { sgd, type OptimizerState } from '../src/optim/index.ts'
import { batches } from '../src/data/index.ts'
import { seedNet, seedParams, type SeedParams } from './lenet.ts'
import { QUICK, mnist } from './common.ts'

// Quick mode (the test suite): 60 batches a epoch, a line every 30.
const [every, epochs] = QUICK ? [30, 1] : [300, 2]
const { train } = mnist(QUICK ? 600 : 8000, 0)
const optimizer = sgd({ lr: 0.01, momentum: 0.5 })
type State = ReturnType<typeof optimizer.init>

const step = jit(
  (params: SeedParams, state: State, x: Tensor<[number, 1, 28, 28]>, y: Tensor<[number], 'int32'>) => {
    const [loss, grads] = valueAndGrad((p: SeedParams) => crossEntropy(seedNet(p)(x), y))(params)
    const [next, nextState] = optimizer.update(params, grads, state)
    return { params: next, state: nextState as OptimizerState<unknown>, loss }
  },
  { donate: [0, 1] },
)

let params = seedParams()
let state: State = optimizer.init(params)
for (let epoch = 0; epoch < epochs; epoch++) {
  let runningLoss = 0
  let i = 0
  for (const { x, y } of batches(train, { batchSize: 10, shuffle: true, seed: epoch })) {
    const out = await step(params, state, x, y)
    x.dispose()
    y.dispose()
    params = out.params
    state = out.state as State
    runningLoss += (await out.loss.data())[0]
    out.loss.dispose()
    if (i % every === every - 1) {
      console.log(`[${epoch + 1}, ${String(i + 1).padStart(5)}] loss: ${(runningLoss / every).toFixed(3)}`)
      runningLoss = 0
    }
    i++
  }
}
console.log('Finished Training')
