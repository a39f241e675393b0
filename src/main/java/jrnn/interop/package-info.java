/**
 * Networks in and out of jrnn: PyTorch weights saved as safetensors ({@link Safetensors},
 * {@link TorchStateDict}, {@link TorchImport}), and ONNX graphs for inference in any ONNX runtime
 * ({@link OnnxExport}). {@link ModelExport} exports any jrnn model file both ways (a translator's
 * graphs through {@code TranslationModel.exportOnnx});
 * {@link NetworkFiles} holds imported networks and stacks in jrnn's model files. The cells' SPEC
 * equations (8-1, 8-25 .. 8-38) fix what each conversion preserves; docs/interop.md gives the
 * mapping gate by gate.
 */
package jrnn.interop;
