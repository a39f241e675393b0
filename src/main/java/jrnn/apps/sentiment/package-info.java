/**
 * Sentence polarity classification (SPEC 6.1): read the whole sentence and say whether it is
 * positive or negative, where counting words fails.
 *
 * <p>{@link SentimentModel} is the classifier (embedding, a stacked, bidirectional recurrent
 * encoder, the last or a pooled state, softmax); {@link SentimentClassifier} loads one or an
 * ensemble of them and answers for a sentence in one call; {@link SentimentTask} trains one for
 * {@link jrnn.frame.TrainingRun}, and {@link CrossValidation} runs K-fold cross-validation, whose
 * held-out predictions {@link HeldOutPredictions} keeps. {@link SentimentData} reads the data sets
 * (SST sentences and trees, MR), {@link Tokenizer} tokenizes them and typed text alike, and
 * {@link SentimentSettings} declares the settings and presets. The equations are those of the
 * stack and readout it runs: 8-39 .. 8-42 in {@link jrnn.layers}, the cells of {@link jrnn.cells}.
 */
package jrnn.apps.sentiment;
