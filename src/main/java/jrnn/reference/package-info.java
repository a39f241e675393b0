/**
 * The double-precision reference: the networks written straight from the SPEC's equations, and the
 * checks that hold the fast float32 engine to them.
 *
 * <p>{@link ReferenceCell} computes one time step of each cell for one sequence, in plain loops
 * without BLAS ({@link ReferenceCell.SimpleRnn}, {@link ReferenceCell.Lstm},
 * {@link ReferenceCell.Gru}); {@link ReferenceModel} runs a whole {@link jrnn.models.ModelConfig}
 * model on it, one sequence at a time, with the backward pass written out step by step;
 * {@link ReferenceAttention} and {@link ReferenceEncoderDecoder} do the same for attention and the
 * encoder-decoder. {@link GradientCheck} and {@link ModelGradientCheck} check their gradients by
 * finite differences, and {@link EngineComparison} runs the fast {@link jrnn.models.SequenceModel}
 * and {@link ReferenceModel} on the same parameters, batch, states and dropout masks and reports how
 * far apart every result is. Clarity comes before speed here: start here to read how the
 * equations become code, then see {@link jrnn.cells} for the fast cells.
 *
 * <p>Where the SPEC equations live:
 * <ul>
 *   <li>8-1, 8-2 (simple RNN) and 8-14 (its backward delta): {@link ReferenceCell.SimpleRnn}.</li>
 *   <li>8-25 .. 8-30 (LSTM), 8-31 .. 8-33 (peepholes), 8-34 (CIFG): {@link ReferenceCell.Lstm}.</li>
 *   <li>8-35 .. 8-38 (GRU): {@link ReferenceCell.Gru}.</li>
 *   <li>8-3, 8-8 (output layer and softmax), 8-9 .. 8-20 (the loss and full BPTT), 8-39 (stacked
 *       layers), 8-40 .. 8-42 (bidirectional layers): {@link ReferenceModel}.</li>
 * </ul>
 */
package jrnn.reference;
