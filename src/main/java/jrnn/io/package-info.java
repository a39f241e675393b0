/** Model files (versioned, checksummed, written atomically) and weight exchange with PyTorch. */
package jrnn.io;
