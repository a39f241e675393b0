/** The numeric core: OpenBLAS products, jrnn's packed per-step product, the gate math of every cell (a scalar twin and SIMD lanes), and the thread team. */
package jrnn.kernels;
