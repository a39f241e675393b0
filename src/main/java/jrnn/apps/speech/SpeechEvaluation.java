package jrnn.apps.speech;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jrnn.decode.WordErrorRate;
import jrnn.models.InferencePass;

/**
 * A recogniser measured on labelled recordings: its hypotheses, word accuracy and the confusion
 * matrix (isolated words) or the word error rate (sequences), and how fast it ran.
 *
 * @param hypotheses the words recognised in each recording
 * @param references the words each recording says
 * @param words the recogniser's words
 * @param audioSeconds the duration of the recordings
 * @param seconds the time recognition took, front end included
 */
public record SpeechEvaluation(List<List<String>> hypotheses, List<List<String>> references, List<String> words,
    double audioSeconds, double seconds) {

  /** Recognises every recording, timing the front end and the recogniser together. */
  public static SpeechEvaluation run(SpeechModel model, List<Utterance> utterances, int beam) {
    return run(model, utterances, beam, null);
  }

  /**
   * {@link #run(SpeechModel, List, int)} with a recurrent recogniser's passes on {@code pass}'s
   * parameters (a device's), or on this machine when it is null.
   */
  public static SpeechEvaluation run(SpeechModel model, List<Utterance> utterances, int beam, InferencePass pass) {
    long t0 = System.nanoTime();
    List<List<String>> hyps = model.recognizeFeatures(model.features().of(utterances), beam, pass);
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new SpeechEvaluation(hyps, utterances.stream().map(Utterance::words).toList(), model.words(),
        SpeechData.seconds(utterances), seconds);
  }

  /** Recordings whose words are recognised, every one. */
  public int correct() {
    int correct = 0;
    for (int i = 0; i < hypotheses.size(); i++) {
      correct += hypotheses.get(i).equals(references.get(i)) ? 1 : 0;
    }
    return correct;
  }

  /** The fraction of recordings whose one word is recognised. */
  public double accuracy() {
    return hypotheses.isEmpty() ? 0 : (double) correct() / hypotheses.size();
  }

  /** The word errors of the hypotheses against the references. */
  public WordErrorRate.Tally wordErrors() {
    return WordErrorRate.corpus(hypotheses, references);
  }

  /**
   * counts[r][h]: recordings of word r recognised as word h, over the recogniser's words and, last,
   * any word of the references it does not know.
   */
  public int[][] confusion() {
    List<String> all = labels();
    int[][] c = new int[all.size()][all.size()];
    for (int i = 0; i < hypotheses.size(); i++) {
      String ref = String.join(" ", references.get(i));
      String hyp = String.join(" ", hypotheses.get(i));
      c[all.indexOf(ref)][all.indexOf(hyp)]++;
    }
    return c;
  }

  /** The rows and columns of {@link #confusion}. */
  public List<String> labels() {
    List<String> all = new ArrayList<>(words);
    for (List<String> r : references) {
      String w = String.join(" ", r);
      if (!all.contains(w)) {
        all.add(w);
      }
    }
    return all;
  }

  /** The confusion matrix as text: a row per spoken word, a column per recognised one. */
  public String confusionText() {
    List<String> l = labels();
    int[][] c = confusion();
    int w = 5;
    for (String s : l) {
      w = Math.max(w, s.length() + 1);
    }
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s", "said\\heard"));
    for (String s : l) {
      sb.append(String.format(Locale.ROOT, "%" + w + "s", s));
    }
    sb.append('\n');
    for (int r = 0; r < l.size(); r++) {
      sb.append(String.format(Locale.ROOT, "%-" + w + "s", l.get(r)));
      for (int h = 0; h < l.size(); h++) {
        sb.append(String.format(Locale.ROOT, "%" + w + "s", c[r][h] == 0 && r != h ? "." : Integer.toString(c[r][h])));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** "1,234.5 s of audio in 3.2 s: 385.8 s of audio per second". */
  public String speed() {
    return String.format(Locale.ROOT, "%,.1f s of audio in %.2f s: %,.1f s of audio per second", audioSeconds, seconds,
        audioSeconds / seconds);
  }
}
