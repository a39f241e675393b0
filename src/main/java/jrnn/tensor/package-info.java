/** Float32 tensors off the Java heap, read by BLAS in place, and the shape error. */
package jrnn.tensor;
