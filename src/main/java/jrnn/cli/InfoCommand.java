package jrnn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jrnn.frame.AppFile;
import jrnn.frame.Metric;
import jrnn.frame.RunHistory;
import jrnn.io.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jrnn info}: what any jrnn model or checkpoint file holds, read without knowing its
 * application: kind and version, settings, parameters by layer, vocabularies, the training run.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
    description = {"Tells what a model or checkpoint file holds: its application and format version, its settings,"
        + " its parameters by layer, its vocabularies and the training run that made it.",
        "The checksum is verified first: a corrupt or truncated file is an error."})
final class InfoCommand implements Callable<Integer> {
  /** A recurrent parameter: prefix, name, layer, direction (PyTorch's naming). */
  private static final Pattern RECURRENT = Pattern.compile("^(\\w+)\\.\\w+?_l(\\d+)(_reverse)?$");

  @Option(names = "--model", required = true, description = "Model or checkpoint file.")
  Path model;

  @Override
  public Integer call() throws Exception {
    ModelFile f = ModelFile.read(model);
    AppFile.Header header = AppFile.header(f, model);
    System.out.printf(Locale.ROOT, "file: %s, %,d bytes, checksum verified%n", model, Files.size(model));
    System.out.printf(Locale.ROOT, "kind: %s, version %d%s%n", header.kind(), header.version(),
        header.version() < AppFile.VERSION ? " (written before the training frame; loads as it is)" : "");
    Map<String, String> meta = f.getProperties("meta");
    if (meta.keySet().stream().anyMatch(k -> k.startsWith(header.kind() + "."))) {
      System.out.println("settings:");
    }
    meta.forEach((k, v) -> {
      if (k.startsWith(header.kind() + ".")) {
        System.out.printf(Locale.ROOT, "  %-28s %s%n", k.substring(header.kind().length() + 1), v);
      }
    });
    if (meta.keySet().stream().anyMatch(k -> k.startsWith("model."))) {
      System.out.println("model:");
      meta.forEach((k, v) -> {
        if (k.startsWith("model.")) {
          System.out.printf(Locale.ROOT, "  %-28s %s%n", k.substring("model.".length()), v);
        }
      });
    }
    if (meta.keySet().stream().anyMatch(k -> k.startsWith("rnn."))) {
      System.out.println("recurrent stack:");
      meta.forEach((k, v) -> {
        if (k.startsWith("rnn.")) {
          System.out.printf(Locale.ROOT, "  %-28s %s%n", k.substring("rnn.".length()), v);
        }
      });
    }
    printParameters(f.getText("layout"));
    for (String section : f.names()) {
      if (section.startsWith("vocab")) {
        String which = section.equals("vocab") ? "" : " (" + section.substring("vocab_".length()) + ")";
        System.out.printf(Locale.ROOT, "vocabulary%s: %,d entries%n", which, f.getText(section).lines().count());
      } else if (section.startsWith("bpe")) {
        String which = section.substring("bpe_".length()) + (f.has("bpe_target") ? "" : " and target, joint");
        System.out.printf(Locale.ROOT, "subword merges (%s): %,d%n", which, f.getText(section).lines().count());
      } else if (section.equals("labels")) {
        System.out.println("labels: " + String.join(" ", f.getText(section).lines().toList()));
      } else if (section.equals("templates")) {
        System.out.printf(Locale.ROOT, "templates: %,d%n", f.getText(section).lines().count());
      } else if (section.equals("normalization")) {
        System.out.printf(Locale.ROOT, "normalization: mean and deviation of %d features%n",
            f.getFloats(section).length / 2);
      }
    }
    if (f.has(RunHistory.SECTION)) {
      RunHistory h = RunHistory.parse(f.getText(RunHistory.SECTION), model);
      Metric m = h.metric();
      System.out.println("training: " + h.summary());
      for (RunHistory.Epoch e : h.epochs()) {
        System.out.printf(Locale.ROOT, "  epoch %d: lr %.4g, train loss %.4f, valid %s, %s%s%n", e.epoch(), e.lr(),
            e.trainLoss(), Double.isNaN(e.validLast()) ? "-" : m.format(e.validLast()),
            jrnn.training.Progress.formatTime(e.seconds()), e.whole() ? "" : " (stopped within the epoch)");
      }
    } else {
      System.out.println("training: not recorded (a model saved outside a training run, or a file written before"
          + " the training frame)");
    }
    if (f.has("state")) {
      // key value pairs as a person reads them, not a map's toString
      StringBuilder state = new StringBuilder();
      f.getProperties("state").forEach((k, v) -> state.append(state.length() == 0 ? "" : ", ").append(k.replace('_',
          ' ')).append(' ').append(v));
      System.out.println("checkpoint: " + state);
    }
    return 0;
  }

  /** Parameter counts by layer: the embedding, each recurrent layer and direction, the output layer. */
  private static void printParameters(String layout) {
    Map<String, Long> byLayer = new LinkedHashMap<>();
    long total = 0;
    for (String line : layout.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] p = line.trim().split(" ");
      long n = 1;
      for (int i = 1; i < p.length; i++) {
        n *= Long.parseLong(p[i]);
      }
      Matcher m = RECURRENT.matcher(p[0]);
      String layer = m.matches() ? m.group(1) + " layer " + m.group(2) + (m.group(3) != null ? " reverse" : "")
          : p[0].contains(".") ? p[0].substring(0, p[0].indexOf('.')) : p[0];
      byLayer.merge(layer, n, Long::sum);
      total += n;
    }
    System.out.printf(Locale.ROOT, "parameters: %,d%n", total);
    byLayer.forEach((layer, n) -> System.out.printf(Locale.ROOT, "  %-28s %,d%n", layer, n));
  }
}
