/**
 * Data as the models read it: padded, masked batches, token vocabularies, text files, token
 * streams for truncated BPTT, and generated tasks.
 *
 * <p>{@link Batch} holds B sequences padded to T steps, time-major (step t of sequence b at row
 * t*B + b), with each sequence's length; token ids or real vectors in, class ids or real values as
 * targets. {@link Vocabulary} maps tokens to ids and back, with {@code <unk>} for tokens training
 * never saw; {@link BytePairEncoding} cuts text into subwords. {@link TokenStream} cuts a long
 * token stream into parallel streams read in windows, for the truncated BPTT of SPEC section 1
 * (the state carried across windows); {@link LengthBatches} makes an epoch's batches of sequences of
 * similar length. {@link TextFiles} reads text, gzipped or not, strictly decoded;
 * {@link SyntheticTasks} generates tasks that need memory across time, for the exploding and
 * vanishing gradients of SPEC section 2 (8-21, 8-22).
 */
package jrnn.data;
