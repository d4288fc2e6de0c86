// The Open Inference Protocol over gRPC from Node, with the service's own .proto: one picture's probabilities from
// ModelInfer. `node examples/grpc-infer.mjs [picture] [host:port]` (default examples/digit.png, localhost:8081); set
// API_KEY when the service has one. Needs only @grpc/grpc-js, @grpc/proto-loader and sharp, as any client project would.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import sharp from 'sharp';

const [picture = 'examples/digit.png', address = 'localhost:8081'] = process.argv.slice(2);
// ModelInfer takes the model's input as it is (no preprocessing, unlike POST /predict): 28×28 grey in [0, 1], a white
// digit on black, as MNIST's are. examples/digit.png is one: MNIST's first test digit, a 7.
const pixels = await sharp(picture).greyscale().resize(28, 28, { fit: 'fill' }).raw().toBuffer();
const image = Float32Array.from(pixels, (v) => v / 255);

const proto = fileURLToPath(new URL('../proto/grpc_predict_v2.proto', import.meta.url));
const { inference } = grpc.loadPackageDefinition(loadSync(proto, { keepCase: true, longs: Number, defaults: true }));
const client = new inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
if (process.env.API_KEY) metadata.set('authorization', `Bearer ${process.env.API_KEY}`);

// The tensor as raw little-endian FP32 bytes (contents: { fp32_contents: [...] } works too); raw inputs get raw outputs.
const request = {
  model_name: 'lenet',
  id: 'example-1',
  inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 28, 28] }],
  raw_input_contents: [Buffer.from(image.buffer)],
};
client.ModelInfer(request, metadata, { deadline: Date.now() + 10_000 }, (err, response) => {
  client.close();
  if (err) {
    console.error(`${grpc.status[err.code]}: ${err.details}`);
    process.exit(1);
  }
  const raw = response.raw_output_contents[0];
  const probabilities = Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
  const digit = probabilities.indexOf(Math.max(...probabilities));
  console.log(
    JSON.stringify({
      id: response.id,
      model: response.model_name,
      version: response.model_version,
      digit,
      probabilities: probabilities.map((p) => Number(p.toFixed(4))),
    }),
  );
});
