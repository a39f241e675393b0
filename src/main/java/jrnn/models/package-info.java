/** A configurable sequence model (embedding, recurrent stack, readout, output layer, loss) and its configuration. */
package jrnn.models;
