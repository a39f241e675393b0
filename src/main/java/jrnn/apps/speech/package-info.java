/**
 * Speech recognition (SPEC 6.2): isolated words by a recurrent classifier or the chapter's
 * template matcher, word sequences by a recurrent recogniser trained with CTC, on the frame.
 *
 * <p>{@link SpeechModel} is the recogniser, recurrent ({@link jrnn.models.SequenceModel}) or by
 * templates ({@link jrnn.audio.DynamicTimeWarping}); {@link SpeechFeatures} turns a recording into
 * the normalized feature vectors it reads ({@link jrnn.audio.FrontEnd}); {@link SpeechTask} trains
 * a recurrent recogniser for {@link jrnn.frame.TrainingRun}, on recordings augmented afresh every
 * epoch ({@link Augmentation}), a word classifier by cross-entropy and a sequence recogniser by CTC
 * ({@link jrnn.layers.Ctc}, decoded by {@link jrnn.decode.CtcDecoding}); {@link SpeechEvaluation}
 * measures a recogniser by word accuracy or word error rate. {@link SpeechData} reads a corpus into
 * {@link Utterance}s, split into training and validation by a {@link Split};
 * {@link SpeechSettings} declares the settings and presets.
 */
package jrnn.apps.speech;
