/** Batches with padding and lengths, vocabularies, text files, token streams for truncated BPTT, generated tasks. */
package jrnn.data;
