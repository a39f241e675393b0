package jrnn.apps.speech;

import java.util.List;
import jrnn.audio.Wav;

/**
 * One recording and what is said in it: a single word for a word classifier, a sequence for a
 * CTC recogniser (empty when unknown, as for a file to transcribe); and who says it, where known
 * ("" otherwise), for normalization by speaker.
 */
public record Utterance(String name, Wav.Audio audio, List<String> words, String speaker) {
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
