/**
 * The layers networks are built of: a cell unrolled over time in either direction, stacks of such
 * layers, and the non-recurrent pieces around them. Sequences are time-major: a [T, B, X] tensor
 * holds step t of sequence b in row t*B + b, and sequences shorter than T are masked, so that
 * padding changes no result.
 *
 * <p>{@link RecurrentLayer} runs one direction of one layer ({@link jrnn.cells.RecurrentCell}) over
 * T steps and back-propagates through time; {@link RecurrentStack}, configured by
 * {@link RecurrentConfig}, stacks layers with one or two directions ({@link Bidirectional}) and
 * dropout between them, the equivalent of PyTorch's nn.RNN, nn.LSTM and nn.GRU, with its states in
 * {@link RecurrentState}. {@link DecoderStack} steps a unidirectional stack one time step at a time,
 * as a decoder needs. Around them: {@link Embedding}, {@link Dense}, {@link Dropout},
 * {@link Attention} (additive and multiplicative) and the CTC loss, {@link Ctc}.
 *
 * <p>Where the SPEC equations live:
 * <ul>
 *   <li>8-9 .. 8-20 (backpropagation through time): {@link RecurrentLayer} and
 *       {@link DecoderStack}, the cells' own steps in {@link jrnn.cells}.</li>
 *   <li>8-3 (o_t = V h_t) and its gradient 8-20 (dL/dV): {@link Dense}.</li>
 *   <li>8-39 (stacked layers): {@link RecurrentStack}, {@link RecurrentConfig},
 *       {@link DecoderStack}.</li>
 *   <li>8-40, 8-41 (forward and backward in time): {@link RecurrentLayer}; 8-42 (the merge of
 *       the two directions, concatenated or summed): {@link RecurrentStack},
 *       {@link Bidirectional}.</li>
 * </ul>
 */
package jrnn.layers;
