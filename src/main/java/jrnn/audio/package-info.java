/** Recordings in: WAV files read as mono samples, resampled to the rate a model works at. */
package jrnn.audio;
