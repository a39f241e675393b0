/**
 * Whole networks and their configurations: the configurable sequence model and the
 * encoder-decoder with attention, each assembled from {@link jrnn.layers} over one set of
 * {@link jrnn.params.Parameters}.
 *
 * <p>{@link SequenceModel}, made from a {@link ModelConfig} (or by {@link SequenceModel#builder()}),
 * runs an embedding, a recurrent stack, a readout ({@link Readout}), an output layer and its loss
 * ({@link OutputKind}, normalized as {@link LossNormalization} says) forward and backward on a
 * {@link jrnn.data.Batch}, and tallies the loss in {@link LossStats}. {@link EncoderDecoder}, made
 * from an {@link EncoderDecoderConfig}, reads a source sentence and writes a target one word at a
 * time, with attention over the source.
 *
 * <p>Threads: an instance of {@link SequenceModel} or {@link EncoderDecoder} is a workspace for one
 * caller, not a shared object. The {@link jrnn.params.Parameters} are shared; each instance writes
 * its own activations, states, packed weights and outputs, so one instance must not run passes
 * from two threads at once. {@code newWorkspace()} makes another instance over the same
 * parameters, and {@link Workspaces} pools them, one per concurrent caller; concurrent passes give
 * results equal to the bit to serial ones (see the "Threads" paragraphs of {@link SequenceModel}
 * and {@link EncoderDecoder}).
 *
 * <p>Where the SPEC equations live: the output o_t = V h_t, y_t = g(o_t) (8-3, 8-8) and its loss
 * (8-9): {@link OutputKind} and {@link Readout}, with the output layer a
 * {@link jrnn.layers.Dense} (whose gradient is 8-20). The recurrent part (8-1 .. 8-20, 8-25 ..
 * 8-42) is {@link jrnn.layers} and {@link jrnn.cells}. The encoder-decoder is the machine
 * translation of SPEC section 6 (application 3).
 */
package jrnn.models;
