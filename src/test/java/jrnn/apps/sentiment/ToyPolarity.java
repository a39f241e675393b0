package jrnn.apps.sentiment;

import java.util.ArrayList;
import java.util.List;
import jrnn.util.Rng;

/** Toy polarity data where order matters: "not" flips the next word, filler words around it. */
public final class ToyPolarity {
  private ToyPolarity() {}

  public static final String[] FILLER = {"the", "film", "was", "plot", "acting", "and", "really", "quite"};

  public static List<Example> examples(Rng rng, int n) {
    String[] good = {"good", "great", "fine", "lovely"};
    String[] bad = {"bad", "awful", "dull", "poor"};
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> t = new ArrayList<>();
      int label = rng.nextInt(2);
      int len = 3 + rng.nextInt(10);
      for (int k = 0; k < len; k++) {
        t.add(FILLER[rng.nextInt(FILLER.length)]);
      }
      boolean negate = rng.nextInt(2) == 0;
      int pos = rng.nextInt(t.size());
      String w = (label == 1) != negate ? good[rng.nextInt(4)] : bad[rng.nextInt(4)];
      t.add(pos, w);
      if (negate) {
        t.add(pos, "not");
      }
      out.add(new Example(t, label));
    }
    return out;
  }
}
