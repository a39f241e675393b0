/**
 * Reading outputs from a trained model, and scoring them.
 *
 * <p>{@link Sampler} draws a token from a row of logits (softmax with a temperature, optionally over
 * the top k only), for a language model's generated text. {@link BeamSearch} decodes sentences a
 * word at a time, greedily or by beam search with length normalization, for the encoder-decoder's
 * translations; {@link CtcDecoding} reads a label sequence from a CTC model's per-frame
 * probabilities, greedily or by prefix beam search, for a speech recogniser. {@link Bleu} scores
 * translations as SacreBLEU does and {@link WordErrorRate} scores recognised word sequences. These
 * serve the applications of SPEC section 6; no SPEC equation lives here.
 */
package jrnn.decode;
