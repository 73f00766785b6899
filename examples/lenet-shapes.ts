/**
 * LeNet-5 written as a pure function of its parameters, with every
 * intermediate shape computed by the compiler. Run: npx tsx examples/lenet-shapes.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import { randn, conv2d, maxPool2d, relu, flatten, linear, type Tensor } from '../src/index.ts'

const params = {
  c1: { weight: randn([6, 1, 5, 5]), bias: randn([6]) },
  c2: { weight: randn([16, 6, 5, 5]), bias: randn([16]) },
  f1: { weight: randn([120, 400]), bias: randn([120]) },
  f2: { weight: randn([84, 120]), bias: randn([84]) },
  f3: { weight: randn([10, 84]), bias: randn([10]) },
}
type Params = typeof params

const show = <T extends Tensor>(label: string) => (t: T): T => {
  console.log(`${label.padEnd(28)} ${t}`)
  return t
}

const lenet = (p: Params) => <N extends number>(x: Tensor<[N, 1, 28, 28]>) =>
  pipe(
    x, show('input'),
    conv2d(p.c1, { padding: 2 }), relu, show('conv 5×5 pad 2 + relu'),
    maxPool2d({ kernelSize: 2 }), show('max pool 2'),
    conv2d(p.c2), relu, show('conv 5×5 + relu'),
    maxPool2d({ kernelSize: 2 }), show('max pool 2'),
    flatten, show('flatten'),
    linear(p.f1), relu, linear(p.f2), relu, linear(p.f3), show('3 linear layers'),
  )

const logits: Tensor<[64, 10]> = lenet(params)(randn([64, 1, 28, 28]))
console.log(`\nlogits: ${logits} — every shape above was known to the compiler.`)
