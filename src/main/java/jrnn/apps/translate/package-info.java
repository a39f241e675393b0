/**
 * Machine translation (SPEC 6.3): read the whole source sentence with one network, then write the
 * target sentence subword by subword with another, attending to the source.
 *
 * <p>{@link TranslationModel} is the translator: byte-pair subwords
 * ({@link jrnn.data.BytePairEncoding}), a vocabulary per language and an
 * {@link jrnn.models.EncoderDecoder} with attention, decoded greedily or by beam search
 * ({@link jrnn.decode.BeamSearch}); {@link TranslationTask} trains it for
 * {@link jrnn.frame.TrainingRun} with teacher forcing and validates by corpus BLEU
 * ({@link jrnn.decode.Bleu}); {@link TranslateSettings} declares the settings and presets. The
 * encoder is a recurrent stack, bidirectional by default (8-39 .. 8-42, in {@link jrnn.layers}),
 * the attention {@link jrnn.layers.Attention}.
 */
package jrnn.apps.translate;
