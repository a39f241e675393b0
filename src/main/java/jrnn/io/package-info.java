/**
 * Model files and weight exchange.
 *
 * <p>{@link ModelFile} is jrnn's container for models and checkpoints: named sections, a format
 * version, a SHA-256 checksum, written atomically ({@link AtomicFiles}) so that a crash mid-write
 * leaves the previous file intact; {@link ModelFileException} names what is wrong with a file that
 * cannot be read. {@link ConfigProperties} writes a {@link jrnn.models.ModelConfig} as the
 * key=value properties a model file holds, and reads it back. {@link PyTorchWeights} converts the
 * weights of a recurrent stack to and from PyTorch's nn.RNN, nn.LSTM and nn.GRU, including the
 * GRU's update gate, which PyTorch writes as 1 - z of the SPEC's 8-38.
 */
package jrnn.io;
