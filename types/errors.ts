/**
 * How a shape rule says "no": it returns a ShapeError carrying a readable
 * message. An op's parameter type then becomes that message itself (see
 * `Checked`), so the compiler reports, at the offending call:
 *
 *   Argument of type 'Tensor<[64, 3, 28, 28]>' is not assignable to parameter
 *   of type '"conv2d: input has 3 channels but weight expects 1"'.
 *
 * and the op's result degrades to an unknown shape, so later lines do not
 * cascade into follow-on errors. The messages themselves are written once,
 * beside the rules' run-time twins, in src/shape/.
 */
export interface ShapeError<Message extends string> {
  readonly __shapeError: Message
}

/** A shape whose rank and dims are unknown: what an op returns after an error. */
export type UnknownShape = number[]

/** The parameter type of an op: the input itself when the rule holds, else the error's message. */
export type Checked<Input, Result> = Result extends ShapeError<infer Message> ? Message : Input

/** The shape an op returns: its rule's result, or an unknown shape after an error. */
// `infer … extends` checks the constraint with ordinary assignability, so a shape with a
// generic batch dim ([N, 6, 28, 28]) resolves here instead of being deferred.
export type Output<Result> = Result extends ShapeError<string>
  ? UnknownShape
  : Result extends infer S extends readonly number[] ? S : UnknownShape

/** The first ShapeError in a tuple of results, or the tuple itself when there is none. */
export type FirstError<T extends readonly unknown[], All extends readonly unknown[] = T> = T extends readonly [
  infer H,
  ...infer R,
]
  ? H extends ShapeError<string>
    ? H
    : FirstError<R, All>
  : All

/** Lead dims (passed through untouched, possibly generic) before the checked rest, or the rest's error. */
export type Prefixed<Lead extends readonly number[], Rest> = Rest extends ShapeError<string>
  ? Rest
  : Rest extends readonly number[] ? [...Lead, ...Rest] : never
