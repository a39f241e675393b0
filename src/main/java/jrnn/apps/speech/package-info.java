/**
 * Speech recognition (SPEC 8.5): isolated words by a recurrent classifier or the chapter's
 * template matcher, word sequences by a recurrent recogniser trained with CTC, on the frame.
 */
package jrnn.apps.speech;
