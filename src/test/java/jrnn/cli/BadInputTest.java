package jrnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.lm.LmSettings;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import jrnn.apps.speech.Chirps;
import jrnn.apps.speech.SpeechFeatures;
import jrnn.apps.speech.SpeechModel;
import jrnn.apps.speech.SpeechSettings;
import jrnn.apps.speech.Utterance;
import jrnn.apps.translate.TranslateSettings;
import jrnn.apps.translate.TranslationModel;
import jrnn.data.Vocabulary;
import jrnn.frame.Settings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command against every kind of bad input: a missing file, an empty one, random bytes, a
 * truncated gzip, a file of the wrong kind, a folder, an output path that cannot be written, an
 * output that is one of the command's inputs, an option out of range. Each must end with one line on standard error, {@code jrnn: <command>: <problem>}
 * naming the file (or the option), no stack trace, exit status 2, and every file that was there
 * before as it was.
 */
class BadInputTest {
  @TempDir
  static Path dir;

  /** The valid inputs, by placeholder. */
  static final Map<String, Path> GOOD = new LinkedHashMap<>();
  /** What each input placeholder holds: model, text, wav, audio (a folder of recordings). */
  static final Map<String, String> KIND = Map.ofEntries(
      Map.entry("lm", "model"), Map.entry("sentiment", "model"), Map.entry("translate", "model"),
      Map.entry("speech", "model"), Map.entry("text", "text"), Map.entry("pos", "text"), Map.entry("neg", "text"),
      Map.entry("src", "text"), Map.entry("tgt", "text"), Map.entry("manifest", "text"), Map.entry("wav", "wav"),
      Map.entry("weights", "safetensors"));

  /**
   * Each command: its arguments ({text} an input, {out:x.png} an output) and options out of range.
   * Training runs are tiny: a case that wrongly got through would still end.
   */
  static final List<Row> TABLE = List.of(
      new Row("demo", "demo --seconds 1 --hidden 8", List.of("--seconds -3", "--hidden -7")),
      new Row("train lm", "train lm --train {text} --valid {text} --level char --hidden 8 --embedding 4 --epochs 1"
          + " --steps 8 --batch 4 --out {out:m.jrnn}", List.of("--hidden -7", "--dropout 1.5", "--valid-split 2.5",
          "--vocab-cap 1")),
      new Row("train sentiment", "train sentiment --pos {pos} --neg {neg} --valid-pos {pos} --valid-neg {neg}"
          + " --hidden 4 --embedding 4 --epochs 1 --min-count 1 --out {out:s.jrnn}", List.of("--epochs -2", "--lr -4",
          "--cv 1", "--cv -3")),
      new Row("train translate", "train translate --train-src {src} --train-tgt {tgt} --valid-src {src} --valid-tgt {tgt}"
          + " --bpe-merges 0 --embedding 4 --hidden 4 --decoder-hidden 4 --epochs 1 --out {out:t.jrnn}",
          List.of("--beam -2", "--label-smoothing 1.5")),
      new Row("train speech", "train speech --manifest {manifest} --audio {audio} --hidden 4 --layers 1 --epochs 1"
          + " --valid-split index:0-3 --out {out:sp.jrnn}", List.of("--hidden -4", "--valid-split index:9-2")),
      new Row("eval lm", "eval lm --model {lm} --data {text}", List.of()),
      new Row("eval sentiment", "eval sentiment --model {sentiment} --pos {pos} --neg {neg}",
          List.of("--encoding latin-9x")),
      new Row("eval translate", "eval translate --model {translate} --src {src} --ref {tgt}", List.of("--beam -2")),
      new Row("eval speech", "eval speech --model {speech} --manifest {manifest} --audio {audio} --plot {out:c.png}",
          List.of("--beam -2", "--select index:5-1")),
      new Row("generate", "generate --model {lm} --prime ROMEO --length 5", List.of("--temperature -1.5", "--length -3")),
      new Row("next", "next --model {lm} the", List.of("--count -5")),
      new Row("classify", "classify --model {sentiment} a fine film", List.of()),
      new Row("translate", "translate --model {translate} --input {src}", List.of("--beam -2")),
      new Row("bleu", "bleu --hyp {tgt} --ref {tgt}", List.of()),
      new Row("transcribe", "transcribe --model {speech} {wav}", List.of("--beam -2")),
      new Row("features", "features {wav} --plot {out:f.png}", List.of("--deltas 7", "--rate -8000")),
      new Row("gradient-flow", "gradient-flow --model {lm} --data {text} --plot {out:g.png}", List.of("--steps -6",
          "--steps 1")),
      new Row("long-range", "long-range --lengths 5 --updates 2 --out {out:lr/curve}", List.of("--hidden -9", "--lr -0.5")),
      new Row("info", "info --model {lm}", List.of()),
      new Row("import", "import --from {weights} --cell lstm --out {out:i.jrnn}", List.of("--readout sideways",
          "--cell lstmm", "--output logistic")),
      new Row("export", "export --model {lm} --format onnx --out {out:e.onnx}", List.of("--format tflite")),
      new Row("gradcheck", "gradcheck --cell lstm", List.of("--hidden -3", "--cell lstmm")),
      new Row("bench", "bench --steps 2 --batch 2 --input 4 --hidden 4 --repeats 1 --warmup 0",
          List.of("--steps -5", "--mode fly", "--device tpu", "--gpu-gemm -7", "--repeats -4",
              "--warmup -6")));

  record Row(String command, String args, List<String> outOfRange) {}

  @BeforeAll
  static void inputs() throws Exception {
    String text;
    try (InputStream in = BadInputTest.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, 4000);
    }
    GOOD.put("text", write("text.txt", text));
    GOOD.put("pos", write("pos.txt", "a fine film\na lovely plot\ngreat acting\nquite good\n"));
    GOOD.put("neg", write("neg.txt", "a dull film\nan awful plot\npoor acting\nreally bad\n"));
    GOOD.put("src", write("src.txt", "a b c\nb c d\nc d e\nd e a\n"));
    GOOD.put("tgt", write("tgt.txt", "c b a\nd c b\ne d c\na e d\n"));

    Settings lm = LmSettings.SCHEMA.defaults().with(Map.of("level", "char", "vocab_cap", "0", "hidden", "8",
        "embedding", "4", "layers", "1"));
    LanguageModel.create(lm, Vocabulary.build(Vocabulary.characters(text), 0)).save(dir.resolve("lm.jrnn"));
    GOOD.put("lm", dir.resolve("lm.jrnn"));
    Settings sentiment = SentimentSettings.SCHEMA.defaults().with(Map.of("hidden", "4", "embedding", "4", "min_count", "1"));
    SentimentModel.create(sentiment, SentimentModel.vocabulary(List.of(new Example(List.of("a", "fine", "film"), 1)), 1))
        .save(dir.resolve("sentiment.jrnn"));
    GOOD.put("sentiment", dir.resolve("sentiment.jrnn"));
    Settings translate = TranslateSettings.SCHEMA.defaults().with(Map.of("bpe_merges", "0", "embedding", "4",
        "hidden", "4", "decoder_hidden", "4"));
    TranslationModel.create(translate, List.of("a b c", "b c d"), List.of("c b a", "d c b")).save(dir.resolve("translate.jrnn"));
    GOOD.put("translate", dir.resolve("translate.jrnn"));

    List<Utterance> words = Chirps.words(8, 1);
    Files.createDirectories(dir.resolve("audio"));
    List<String> manifest = new ArrayList<>(List.of("path\tlabel"));
    for (int i = 0; i < words.size(); i++) {
      Path wav = dir.resolve("audio/w" + i + ".wav");
      Files.write(wav, jrnn.audio.WavTest.pcm16(words.get(i).audio().samples(), Chirps.RATE));
      manifest.add("w" + i + ".wav\t" + words.get(i).words().get(0));
    }
    GOOD.put("wav", dir.resolve("audio/w0.wav"));
    GOOD.put("manifest", write("manifest.tsv", String.join("\n", manifest) + "\n"));
    Settings speech = SpeechSettings.SCHEMA.preset("fsdd").with(Map.of("hidden", "4", "layers", "1"));
    SpeechModel.create(speech, SpeechModel.labels(speech, words), SpeechFeatures.statisticsFor(speech, words))
        .save(dir.resolve("speech.jrnn"));
    GOOD.put("speech", dir.resolve("speech.jrnn"));
    jrnn.interop.NetworkFiles.Stack stack = jrnn.interop.NetworkFiles.Stack.zeros(
        new jrnn.layers.RecurrentConfig(jrnn.cells.CellType.parse("lstm"), 3, 2, 1, null, 0));
    jrnn.interop.Safetensors.write(dir.resolve("weights.safetensors"),
        jrnn.interop.TorchStateDict.of(stack.config(), stack.parameters(), "rnn.", ""), Map.of());
    GOOD.put("weights", dir.resolve("weights.safetensors"));
  }

  @Test
  void everyCommandAgainstEveryBadInput() throws Exception {
    List<String> failures = new ArrayList<>();
    int cases = 0;
    for (Row row : TABLE) {
      for (String input : placeholders(row.args())) {
        // info reads any jrnn model file: the wrong kind for it is a file that is no model.
        boolean anyModel = row.command().equals("info") || row.command().equals("export");
        if (input.equals("audio")) {
          cases += check(row, Map.of(input, dir.resolve("no-such-folder")), "no-such-folder", failures);
          continue;
        }
        for (Map.Entry<String, Path> bad : badFiles(input, anyModel).entrySet()) {
          cases += check(row, Map.of(input, bad.getValue()), bad.getValue().getFileName().toString(), failures);
        }
      }
      if (row.args().contains("{out:")) {
        // An output under a plain file: no directory can be made there.
        cases += check(row, Map.of("out", dir.resolve("text.txt").resolve("sub")), "text.txt", failures);
        // An output that is the command's own input: refused, the input kept.
        for (String input : placeholders(row.args())) {
          if (!input.equals("audio")) {
            Path same = GOOD.get(input);
            cases += check(row, Map.of("outfile", same), same.getFileName().toString(), failures);
          }
        }
      }
      for (String option : row.outOfRange()) {
        // The message names the value given (the option's name too, where the check knows it);
        // the values are chosen so that no range in a message ("[1, inf)") can hold them by chance.
        cases += check(row, Map.of("option", Path.of(option)), option.split(" ")[1], failures);
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases failed:\n" + String.join("\n", failures));
    assertTrue(cases > 100, cases + " cases");
  }

  /** Runs {@code row} with {@code replacement}, checks what the issue asks; returns 1 (the case count). */
  private static int check(Row row, Map<String, Path> replacement, String named, List<String> failures)
      throws IOException {
    List<String> args = arguments(row.args(), replacement);
    Map<Path, byte[]> before = snapshot();
    CommandLineTest.Run r = CommandLineTest.run(args.toArray(String[]::new));
    String what = row.command() + " " + String.join(" ", args).replace(dir.toString(), "DIR");
    List<String> lines = r.err().isEmpty() ? List.of() : Arrays.asList(r.err().strip().split("\n"));
    if (r.exit() != 2) {
      failures.add(what + ": exit " + r.exit() + ", stderr " + lines);
    } else if (lines.size() != 1) {
      failures.add(what + ": " + lines.size() + " lines on stderr: " + lines);
    } else if (!lines.get(0).startsWith("jrnn: " + row.command() + ": ")) {
      failures.add(what + ": " + lines.get(0));
    } else if (!lines.get(0).contains(named)) {
      failures.add(what + ": does not name " + named + ": " + lines.get(0));
    }
    Map<Path, byte[]> after = snapshot();
    for (Map.Entry<Path, byte[]> e : before.entrySet()) {
      if (!Arrays.equals(e.getValue(), after.get(e.getKey()))) {
        failures.add(what + ": changed " + e.getKey());
      }
    }
    for (Path p : after.keySet()) {
      if (!before.containsKey(p)) {
        failures.add(what + ": left " + p);
        Files.delete(p);
      }
    }
    return 1;
  }

  /** The command's arguments with every placeholder filled, the outputs made to hold a sentinel. */
  private static List<String> arguments(String template, Map<String, Path> replacement) throws IOException {
    List<String> out = new ArrayList<>();
    for (String token : template.split(" ")) {
      Matcher m = Pattern.compile("\\{(out:)?([^}]+)}").matcher(token);
      if (!m.matches()) {
        out.add(token);
      } else if (m.group(1) != null && replacement.containsKey("outfile")) {
        out.add(replacement.get("outfile").toString());
      } else if (m.group(1) != null) {
        Path given = replacement.get("out");
        Path o = given != null ? given.resolve(m.group(2)) : dir.resolve("outputs").resolve(m.group(2));
        if (given == null) {
          Files.createDirectories(o.getParent());
          Files.writeString(o, "an existing output, to be kept");
        }
        out.add(o.toString());
      } else {
        String name = m.group(2);
        out.add((replacement.containsKey(name) ? replacement.get(name)
            : name.equals("audio") ? dir.resolve("audio") : GOOD.get(name)).toString());
      }
    }
    if (replacement.containsKey("option")) {
      String[] option = replacement.get("option").toString().split(" ");
      int at = out.indexOf(option[0]);
      if (at >= 0) {
        out.set(at + 1, option[1]);
      } else {
        out.addAll(List.of(option));
      }
    }
    return out;
  }

  private static List<String> placeholders(String template) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\\{([a-z]+)}").matcher(template);
    while (m.find()) {
      if (!out.contains(m.group(1))) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** Bad stand-ins for an input of {@code input}'s kind, by file. */
  private static Map<String, Path> badFiles(String input, boolean anyModel) throws IOException {
    Map<String, Path> out = new LinkedHashMap<>();
    String ext = switch (KIND.get(input)) {
      case "model" -> ".jrnn";
      case "wav" -> ".wav";
      case "safetensors" -> ".safetensors";
      default -> ".txt";
    };
    out.put("missing", dir.resolve("missing-" + input + ext));
    out.put("empty", write("empty-" + input + ext, ""));
    byte[] noise = new byte[4096];
    new Random(input.hashCode()).nextBytes(noise);
    out.put("random", write("random-" + input + ext, noise));
    byte[] good = Files.readAllBytes(GOOD.get(input));
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(good);
    }
    out.put("truncated", write("truncated-" + input + ext + ".gz", Arrays.copyOf(gz.toByteArray(), gz.size() / 2)));
    out.put("folder", Files.createDirectories(dir.resolve("folder-" + input + ext)));
    switch (KIND.get(input)) {
      case "model" -> out.put("wrong", GOOD.get(anyModel ? "text" : input.equals("lm") ? "sentiment" : "lm"));
      case "text" -> out.put("wrong", GOOD.get("wav"));
      case "safetensors" -> out.put("wrong", GOOD.get("lm"));
      default -> out.put("wrong", GOOD.get("text"));
    }
    return out;
  }

  private static Path write(String name, String text) throws IOException {
    return write(name, text.getBytes(StandardCharsets.UTF_8));
  }

  private static Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** Every file under the folder, with its bytes. */
  private static Map<Path, byte[]> snapshot() throws IOException {
    Map<Path, byte[]> out = new LinkedHashMap<>();
    try (var files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        out.put(p, Files.readAllBytes(p));
      }
    }
    return out;
  }
}
