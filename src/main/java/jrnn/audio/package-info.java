/**
 * Recordings in and features out: WAV files read as mono samples (alone, by list, by manifest
 * from archives), resampled to the rate a model works at; the front end (log-mel, MFCC); dynamic
 * time warping and the chapter's template matcher.
 */
package jrnn.audio;
