/**
 * shapewise/io: save and load parameters as safetensors under PyTorch's
 * state_dict names, checkpoints that resume training bit for bit, and ONNX
 * export of traced models.
 */
export {
  saveSafetensors, loadSafetensors, readSafetensorsHeader, decodeSafetensors,
  type SafetensorsDtype, type SafetensorsEntry, type SafetensorsHeader, type SaveSafetensorsOptions, type LoadSafetensorsOptions,
} from './safetensors.ts'
export { pytorchNames } from './names.ts'
export {
  saveCheckpoint, loadCheckpoint, listCheckpoints,
  type Checkpoint, type CheckpointEntry, type SaveCheckpointOptions, type LoadCheckpointOptions,
} from './checkpoint.ts'
export { exportOnnx, type ExportOnnxOptions, type DimSpec, type TracedInput } from './onnx/export.ts'
export { decodeModel as decodeOnnxModel, type ModelMessage as OnnxModel } from './onnx/proto.ts'
export { SafetensorsError, CheckpointError, OnnxExportError } from './errors.ts'
