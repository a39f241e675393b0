package jrnn.apps.speech;

import java.util.List;
import jrnn.audio.Wav;

/**
 * One recording and what is said in it: a single word for a word classifier, a sequence for a
 * CTC recogniser (empty when unknown, as for a file to transcribe); and who says it, where known
 * ("" otherwise), for normalization by speaker.
 *
 * @param name the recording's name, for messages
 * @param audio its samples
 * @param words what it says (copied; empty when unknown)
 * @param speaker who says it, or "" (null reads as "")
 */
public record Utterance(String name, Wav.Audio audio, List<String> words, String speaker) {
  /** Copies the words and reads a null speaker as "". */
  public Utterance {
    words = List.copyOf(words);
    speaker = speaker == null ? "" : speaker;
  }

  /** A recording whose speaker is not known. */
  public Utterance(String name, Wav.Audio audio, List<String> words) {
    this(name, audio, words, "");
  }

  /** The single word of an isolated-word recording. */
  public String word() {
    if (words.size() != 1) {
      throw new IllegalArgumentException(name + ": says " + words.size() + " words " + words + ", not one");
    }
    return words.get(0);
  }
}
