/**
 * Language models at word and character level (SPEC 6.4): read tokens one at a time and predict,
 * after each, the next.
 *
 * <p>{@link LanguageModel} is the model (embedding, recurrent stack, softmax over the vocabulary on a
 * {@link jrnn.models.SequenceModel}), with perplexity, evaluation and text generation;
 * {@link LanguageModelTask} trains it for {@link jrnn.frame.TrainingRun} by truncated BPTT over the
 * training text as parallel streams ({@link jrnn.data.TokenStream}); {@link LmSettings} declares
 * its settings and presets (among them Zaremba et al.'s Penn Treebank models). The equations are
 * those of the stack it runs: 8-1 .. 8-20 in {@link jrnn.cells} and {@link jrnn.layers}, the LSTM
 * of 8-25 .. 8-30 by default.
 */
package jrnn.apps.lm;
