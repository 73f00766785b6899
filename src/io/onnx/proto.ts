/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, IR version 8) that an
 * exported model uses, encoded by protobufjs: a maintained, dependency-free
 * protobuf implementation that reads .proto text at run time, so no
 * generated code has to be kept in step with the schema. Field numbers are
 * ONNX's own.
 */
import protobuf from 'protobufjs'

const SCHEMA = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10; }
  optional string name = 1;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}
message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}
message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  enum DataType { UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6; INT64 = 7; STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
  optional string doc_string = 12;
}
message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    };
    optional string denotation = 3;
  };
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}
message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`

const root = protobuf.parse(SCHEMA, { keepCase: true }).root
const Model = root.lookupType('onnx.ModelProto')

/** ONNX element types of shapewise's dtypes (plus INT64 for shape operands). */
export const ELEMENT_TYPE = { float32: 1, int32: 6, int64: 7, bool: 9 } as const
/** AttributeProto.AttributeType. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const

export interface TensorMessage {
  readonly name: string
  readonly dims: readonly number[]
  readonly data_type: number
  readonly raw_data: Uint8Array
}
export interface AttributeMessage {
  readonly name: string
  readonly type: number
  readonly f?: number
  readonly i?: number
  readonly s?: Uint8Array
  readonly t?: TensorMessage
  readonly floats?: readonly number[]
  readonly ints?: readonly number[]
}
export interface NodeMessage {
  readonly input: readonly string[]
  readonly output: readonly string[]
  readonly name: string
  readonly op_type: string
  readonly attribute: readonly AttributeMessage[]
}
export interface ValueInfoMessage {
  readonly name: string
  readonly type: { readonly tensor_type: { readonly elem_type: number; readonly shape: { readonly dim: readonly ({ dim_value: number } | { dim_param: string })[] } } }
}
export interface ModelMessage {
  readonly ir_version: number
  readonly opset_import: readonly { readonly domain: string; readonly version: number }[]
  readonly producer_name: string
  readonly producer_version: string
  readonly doc_string?: string
  readonly graph: {
    readonly name: string
    readonly node: readonly NodeMessage[]
    readonly initializer: readonly TensorMessage[]
    readonly input: readonly ValueInfoMessage[]
    readonly output: readonly ValueInfoMessage[]
  }
}

/** The wire bytes of a model. */
export const encodeModel = (model: ModelMessage): Uint8Array => {
  const problem = Model.verify(model)
  if (problem) throw new Error(`ONNX model message: ${problem}`)
  // Under Node protobufjs returns a Buffer: hand back a plain Uint8Array view of the same bytes.
  const bytes = Model.encode(Model.fromObject(model)).finish()
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * A model read back from its bytes (for tests and inspection), int64 fields as numbers.
 *
 * @example
 * import { relu } from 'shapewise'
 * import { exportOnnx, decodeOnnxModel } from 'shapewise/io'
 * const model = decodeOnnxModel(await exportOnnx((x) => relu(x), [['N', 4]]))
 * const ops = model.graph.node.map((n) => n.op_type) // → ['Relu', 'Identity']
 */
export const decodeModel = (bytes: Uint8Array): ModelMessage =>
  Model.toObject(Model.decode(bytes), { longs: Number, arrays: true }) as unknown as ModelMessage
