/**
 * jrnn's GPU backend on NVIDIA GPUs: recurrent stacks through cuDNN's RNN API, called from Java
 * through the {@code org.bytedeco:cuda} bindings. {@link jrnn.gpu.CudaBackend} is the
 * {@link jrnn.device.GpuBackend} service that {@link jrnn.device.Gpu#backend()} finds; it loads
 * CUDA only then. docs/gpu.md says what runs where and what was measured.
 */
package jrnn.gpu;
