/**
 * Where jrnn computes: the CPU engine (always there) or a GPU backend, chosen at run time.
 *
 * <p>The GPU backend is the module {@code jrnn-gpu} (directory {@code gpu/}), found through
 * {@link java.util.ServiceLoader} only when a GPU is asked for: the core library neither needs
 * nor loads anything of CUDA. {@link Gpu#backend()} gives the backend or a
 * {@link GpuUnavailableException} that says why the GPU cannot be used. docs/gpu.md says what
 * runs where.
 */
package jrnn.device;
