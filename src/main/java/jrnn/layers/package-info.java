/** A cell unrolled over time in either direction with masks; stacks, bidirectional merges, embedding, dense layer, dropout. */
package jrnn.layers;
