/** The update step, truncated BPTT over streams, progress display, gradient-flow probe and telemetry. */
package jrnn.training;
