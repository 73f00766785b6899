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

/** A safetensors file that cannot be read or does not fit the model it is loaded into. */
export class SafetensorsError extends PathError {
  override readonly name = 'SafetensorsError'
}

/** A checkpoint folder that holds no complete checkpoint, or one that does not fit the template. */
export class CheckpointError extends PathError {
  override readonly name = 'CheckpointError'
}

/** A traced function that ONNX export cannot express faithfully. */
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
