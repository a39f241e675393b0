package jrnn.apps.speech;

import java.util.List;
import jrnn.audio.Wav;

/**
 * One recording and what is said in it: a single word for a word classifier, a sequence for a
 * CTC recogniser (empty when unknown, as for a file to transcribe).
 */
public record Utterance(String name, Wav.Audio audio, List<String> words) {
  public Utterance {
    words = List.copyOf(words);
  }

  /** The single word of an isolated-word recording. */
  public String word() {
    if (words.size() != 1) {
      throw new IllegalArgumentException(name + ": says " + words.size() + " words " + words + ", not one");
    }
    return words.get(0);
  }
}
