// A small ONNX graph builder in the spirit of onnx.helper (make_node, make_tensor, make_graph, make_model).
// Encoding is protobufjs' job through the generated ONNX messages of `onnx-proto`; nothing here touches the wire format.
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type ModelProto = onnxProto.onnx.IModelProto;

export const DataType = onnx.TensorProto.DataType;
export const OPSET = 17;
const IR_VERSION = 8; // the IR version that goes with opset 17

/** A float attribute; plain numbers are int attributes, as ONNX needs the distinction and JS cannot tell 1 from 1.0. */
export interface FloatAttr {
  readonly float: number;
}
export const float = (value: number): FloatAttr => ({ float: value });
export type AttrValue = number | number[] | string | FloatAttr | TensorProto;

function makeAttribute(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.TENSOR, t: value };
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, AttrValue> = {},
  name?: string,
): NodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: name ?? outputs[0],
    attribute: Object.entries(attributes).map(([key, value]) => makeAttribute(key, value)),
  };
}

/** Number of elements of a tensor with these dimensions. */
export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function makeTensor(
  name: string,
  dims: number[],
  values: Float32Array | BigInt64Array | number[],
  dataType: number = DataType.FLOAT,
): TensorProto {
  const typed =
    dataType === DataType.INT64
      ? values instanceof BigInt64Array
        ? values
        : BigInt64Array.from(values as number[], (v) => BigInt(v))
      : values instanceof Float32Array
        ? values
        : Float32Array.from(values as number[]);
  const expected = numel(dims);
  if (typed.length !== expected) throw new Error(`tensor ${name}: ${typed.length} values for dims [${dims}]`);
  // raw_data is little-endian, which is what typed arrays are on every platform Node runs on.
  const rawData = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength).slice();
  return { name, dims, dataType, rawData };
}

/** A value's type: element type and shape, where a string is a symbolic (dynamic) dimension. */
export function makeValueInfo(name: string, dataType: number, shape: Array<number | string>): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: dataType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function makeGraph(
  nodes: NodeProto[],
  name: string,
  inputs: ValueInfoProto[],
  outputs: ValueInfoProto[],
  initializers: TensorProto[] = [],
): GraphProto {
  return { node: nodes, name, input: inputs, output: outputs, initializer: initializers };
}

export function makeModel(graph: GraphProto, metadata: Record<string, string> = {}, docString = ''): ModelProto {
  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'lenet-service',
    producerVersion: '1',
    docString,
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** metadata_props as a plain record. */
export function readMetadata(model: ModelProto): Record<string, string> {
  return Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}
