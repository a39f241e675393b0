/**
 * Float32 tensors and the shape error.
 *
 * <p>{@link Tensor} is a dense, row-major float32 array with a shape, stored off the Java heap
 * (64-byte aligned) so that BLAS and the vector kernels read it in place; views share memory with
 * the tensor they come from. The float32 engine keeps everything in them: parameters and
 * gradients (flat, see {@link jrnn.params.Parameters}), activations, states and outputs
 * (time-major, [T, B, X], row t*B + b). {@link ShapeMismatchException} is the error a component
 * throws when a tensor, a batch or a parameter does not have the shape it expects, naming the
 * component and both shapes. No SPEC equation lives here.
 */
package jrnn.tensor;
