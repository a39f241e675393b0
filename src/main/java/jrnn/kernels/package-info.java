/**
 * The numeric core: OpenBLAS products, jrnn's packed per-step product, the gate math of every
 * cell (a scalar twin and SIMD lanes), and the thread team. Internal: not part of jrnn's library
 * API; it may change in any release.
 */
package jrnn.kernels;
