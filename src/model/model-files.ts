// The files that travel with a model, named from the model's own path; the trainer writes them, the server and the
// calibration read them.

/** models/lenet.onnx + '.json' → models/lenet.json. */
export const besideModel = (modelPath: string, suffix: string) => modelPath.replace(/\.onnx$/i, '') + suffix;
/** The model card: what the model is, how it was trained, what it measured. */
export const cardPathFor = (modelPath: string) => besideModel(modelPath, '.json');
