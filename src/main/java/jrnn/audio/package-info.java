/**
 * Recordings in, features out: reading speech audio and turning it into the feature vectors a
 * recogniser reads, and the chapter's template matcher.
 *
 * <p>{@link Wav} reads WAV files as mono samples in [-1, 1], refusing what it cannot read with an
 * {@link AudioFormatException}; {@link AudioCorpus} reads recordings by manifest (over a tar
 * archive or a folder), by list file or from a folder; {@link Resampler} changes a recording's
 * sample rate to the one a model works at. {@link FrontEnd} computes a feature vector per frame
 * (log-mel energies or MFCC, with deltas). {@link DynamicTimeWarping} measures the distance of two
 * feature sequences and, with its {@link DynamicTimeWarping.TemplateMatcher}, is the classic
 * recogniser the speech-recognition application of SPEC section 6 describes (store feature vectors
 * per word; recognise the most similar template). No numbered SPEC equation lives here.
 */
package jrnn.audio;
