/** Named errors of shapewise/io: each says which file (or op) and what is wrong with it. */

/** An error about one file or folder; the message is `path: problem`. */
abstract class PathError extends Error {
  constructor(
    /** The file or folder (or '<bytes>' for an in-memory buffer). */
    readonly path: string,
    /** What is wrong, without the path. */
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`)
  }
}

/**
 * A safetensors file that cannot be read or does not fit the model it is loaded into.
 *
 * @example
 * import { loadSafetensors, SafetensorsError } from 'shapewise/io'
 * let error: unknown
 * try { await loadSafetensors('missing.safetensors') } catch (e) { error = e }
 * error instanceof SafetensorsError // → true
 */
export class SafetensorsError extends PathError {
  override readonly name = 'SafetensorsError'
}

/**
 * A checkpoint folder that holds no complete checkpoint, or one that does not fit the template.
 *
 * @example
 * import { loadCheckpoint, CheckpointError } from 'shapewise/io'
 * let error: unknown
 * try { await loadCheckpoint('no-checkpoints-here') } catch (e) { error = e }
 * error instanceof CheckpointError // → true
 */
export class CheckpointError extends PathError {
  override readonly name = 'CheckpointError'
}

/**
 * A traced function that ONNX export cannot express faithfully.
 *
 * @example
 * import { exportOnnx, OnnxExportError } from 'shapewise/io'
 * let error: unknown
 * try { await exportOnnx(() => 42 as never, [[2]]) } catch (e) { error = e }
 * error instanceof OnnxExportError // → true
 */
export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError'
  constructor(
    /** The shapewise op that stopped the export, when one did. */
    readonly op: string | undefined,
    readonly problem: string,
  ) {
    super(op ? `exportOnnx: ${op}: ${problem}` : `exportOnnx: ${problem}`)
  }
}
