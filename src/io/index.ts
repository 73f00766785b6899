/**
 * shapewise/io: save and load parameters as safetensors under PyTorch's
 * state_dict names, checkpoints that resume training bit for bit, and ONNX
 * export of traced models.
 */
export {
  saveSafetensors, loadSafetensors, readSafetensorsHeader, decodeSafetensors, encodeSafetensors, fromSafetensorsBytes,
  type SafetensorsDtype, type SafetensorsEntry, type SafetensorsHeader, type SaveSafetensorsOptions, type LoadSafetensorsOptions,
} from './safetensors.ts'
export { pytorchNames, snakeCase } from './names.ts'
export { writeFileAtomic } from './atomic.ts'
export { SafetensorsError, CheckpointError, OnnxExportError } from './errors.ts'
export {
  saveCheckpoint, loadCheckpoint, listCheckpoints,
  type Checkpoint, type CheckpointEntry, type SaveCheckpointOptions, type LoadCheckpointOptions,
} from './checkpoint.ts'
export { exportOnnx, type ExportOnnxOptions, type DimSpec, type TracedInput } from './onnx/export.ts'
export { decodeModel as decodeOnnxModel } from './onnx/proto.ts'
