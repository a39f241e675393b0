package jrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.HeldOutPredictions;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SentimentSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jrnn command: each subcommand end to end, its last line and its exit code. */
class CommandLineTest {
  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  static synchronized Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  static double number(String line, String prefix) {
    assertTrue(line.startsWith(prefix), "'" + line + "' should start with '" + prefix + "'");
    return Double.parseDouble(line.substring(prefix.length()).trim());
  }

  @Test
  void demoTrainsAndTheValidationLossFalls() {
    Run r = run("demo", "--seconds", "2", "--hidden", "32");
    assertEquals(0, r.exit(), r.err());
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("validation ([0-9.]+) bits per character \\(was ([0-9.]+)\\)").matcher(r.out());
    assertTrue(m.find(), r.out());
    assertTrue(Double.parseDouble(m.group(1)) < Double.parseDouble(m.group(2)) - 0.5, m.group());
  }

  @Test
  void gradcheckPassesAndSaysSoLast() {
    Run r = run("gradcheck", "--cell", "lstm-peephole", "--layers", "2", "--bidirectional", "concat");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(number(r.lastLine(), "max relative error:") < 1e-5);
    assertTrue(r.out().contains("rnn.weight_hh_l1_reverse") && r.out().contains("initial c"), r.out());
  }

  @Test
  void gradcheckFailsAboveItsThreshold() {
    Run r = run("gradcheck", "--cell", "gru", "--threshold", "1e-15");
    assertEquals(1, r.exit(), "a result, not an error");
    assertTrue(number(r.lastLine(), "max relative error:") > 1e-15);
  }

  @Test
  void aThreadCountThatIsNoNumberIsAClearError() {
    System.setProperty("jrnn.threads", "abc");
    try {
      Run r = run("gradcheck", "--cell", "gru");
      assertEquals(2, r.exit());
      assertEquals("jrnn: jrnn.threads / JRNN_THREADS must be a whole number, got 'abc'", r.err().strip());
    } finally {
      System.clearProperty("jrnn.threads");
    }
  }

  @Test
  void unknownCellIsAClearError() {
    Run r = run("gradcheck", "--cell", "lstmm");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("unknown cell type 'lstmm'") && r.err().contains("gru-reset-after"), r.err());
  }

  /** The launcher's own commands, which the command line does not parse, are named in its help. */
  @Test
  void helpNamesTheLaunchersSparkCommands() throws IOException {
    Run topHelp = run("--help");
    String launcher = Files.readString(Path.of("bin/jrnn"));
    for (String sparkCommand : new String[] {"spark-train", "spark-score"}) {
      assertTrue(topHelp.out().contains(sparkCommand), topHelp.out());
      assertTrue(launcher.contains(sparkCommand + ")") || launcher.contains(sparkCommand + "|"),
          "bin/jrnn routes " + sparkCommand);
    }
  }

  @Test
  void benchEndsWithEfficiency() {
    Run r = run("bench", "--cell", "gru", "--steps", "5", "--batch", "4", "--input", "8", "--hidden", "16",
        "--repeats", "3", "--warmup", "0.1");
    assertEquals(0, r.exit(), r.err());
    double eff = number(r.lastLine(), "efficiency:");
    assertTrue(eff > 0 && Double.isFinite(eff), r.out());
    Run masked = run("bench", "--cell", "lstm-peephole", "--steps", "6", "--batch", "5", "--input", "8",
        "--hidden", "16", "--layers", "2", "--bidirectional", "concat", "--ragged", "--repeats", "3",
        "--warmup", "0.1");
    assertEquals(0, masked.exit(), masked.err());
    assertTrue(masked.out().contains("2 layer(s), bidirectional, lengths "), masked.out());
    assertTrue(number(masked.lastLine(), "efficiency:") > 0, masked.out());
  }

  /** The core's tests run without the GPU module: asking for the GPU says so, and how to build it. */
  @Test
  void benchOnTheGpuWithoutItsModuleSaysHowToBuildIt() {
    Run r = run("bench", "--device", "gpu", "--steps", "2", "--batch", "2", "--input", "4", "--hidden", "4");
    assertEquals(2, r.exit(), r.out());
    assertTrue(r.err().contains("cannot use the GPU: the GPU backend (jrnn-gpu) is not on the class path"), r.err());
    assertEquals("", r.out());
  }

  @Test
  void trainingOnTheGpuWithoutItsModuleSaysSoBeforeReadingData() {
    Run r = run("train", "lm", "--device", "gpu", "--train", "no-such-file.txt", "--out", dir.resolve("g.jrnn").toString());
    assertEquals(2, r.exit(), r.out());
    assertTrue(r.err().contains("cannot use the GPU: the GPU backend (jrnn-gpu) is not on the class path"), r.err());
    Run bad = run("train", "sentiment", "--device", "tpu", "--train", "no-such-file.txt", "--out", dir.resolve("g.jrnn").toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("unknown device 'tpu'; expected cpu or gpu"), bad.err());
  }

  /**
   * eval lm, eval sentiment, next, generate, translate and eval translate take --device too:
   * without the GPU module, each says so.
   */
  @Test
  void trainedModelsCommandsOnTheGpuWithoutItsModuleSaySo() throws Exception {
    java.nio.file.Path model = dir.resolve("lm.jrnn");
    jrnn.apps.lm.LanguageModel.create(jrnn.apps.lm.LmSettings.SCHEMA.defaults().with(java.util.Map.of("level", "char",
        "vocab_cap", "0", "embedding", "4", "hidden", "4", "layers", "1")),
        jrnn.data.Vocabulary.build(jrnn.data.Vocabulary.characters("abc "), 0)).save(model);
    java.nio.file.Path text = dir.resolve("text.txt");
    java.nio.file.Files.writeString(text, "abc cab bca\n");
    String m = model.toString();
    java.nio.file.Path classifier = dir.resolve("sentiment.jrnn");
    List<jrnn.apps.sentiment.Example> examples = List.of(new jrnn.apps.sentiment.Example(List.of("good", "film"), 1),
        new jrnn.apps.sentiment.Example(List.of("bad", "film"), 0));
    jrnn.apps.sentiment.SentimentModel.create(jrnn.apps.sentiment.SentimentSettings.SCHEMA.defaults().with(
        java.util.Map.of("embedding", "4", "hidden", "4")), jrnn.apps.sentiment.SentimentModel.vocabulary(examples, 1))
        .save(classifier);
    java.nio.file.Path sentences = dir.resolve("sentences.txt");
    java.nio.file.Files.writeString(sentences, "1 good film\n0 bad film\n");
    java.nio.file.Path translator = dir.resolve("translator.jrnn");
    java.nio.file.Path source = dir.resolve("source.txt");
    java.nio.file.Path reference = dir.resolve("reference.txt");
    java.nio.file.Files.writeString(source, "a b c\nc a\n");
    java.nio.file.Files.writeString(reference, "c b a\na c\n");
    jrnn.apps.translate.TranslationModel.create(jrnn.apps.translate.TranslateSettings.SCHEMA.defaults().with(
        java.util.Map.of("bpe_merges", "0", "embedding", "4", "hidden", "4", "decoder_hidden", "4")),
        List.of("a b c", "c a"), List.of("c b a", "a c")).save(translator);
    for (String[] args : new String[][] {{"eval", "lm", "--model", m, "--data", text.toString()},
        {"next", "--model", m, "ab"}, {"generate", "--model", m, "--prime", "ab", "--length", "3"},
        {"eval", "sentiment", "--model", classifier.toString(), "--data", sentences.toString()},
        {"translate", "--model", translator.toString(), "--input", source.toString()},
        {"eval", "translate", "--model", translator.toString(), "--src", source.toString(), "--ref",
            reference.toString()}}) {
      String[] gpu = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--device",
          "gpu")).toArray(String[]::new);
      Run r = run(gpu);
      assertEquals(2, r.exit(), args[0] + ": " + r.out());
      assertTrue(r.err().contains("cannot use the GPU: the GPU backend (jrnn-gpu) is not on the class path"), r.err());
      Run cpu = run(java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--device",
          "cpu")).toArray(String[]::new));
      assertEquals(0, cpu.exit(), args[0] + ": " + cpu.err());
    }
  }

  @Test
  void benchRaggedLengthsSpanOneToT() {
    int[] lengths = BenchCommand.raggedLengths(25, 64, new jrnn.util.Rng(1));
    assertEquals(25, lengths[0]);
    int min = java.util.Arrays.stream(lengths).min().getAsInt();
    int max = java.util.Arrays.stream(lengths).max().getAsInt();
    assertTrue(min >= 1 && min < 25 && max == 25, java.util.Arrays.toString(lengths));
    assertTrue(java.util.Arrays.stream(lengths).distinct().count() > 10, java.util.Arrays.toString(lengths));
  }

  @Test
  void gradientFlowWritesTableAndPlot() {
    Path png = dir.resolve("flow.png");
    Run r = run("gradient-flow", "--cell", "rnn-tanh,lstm", "--steps", "20", "--hidden", "8", "--plot", png.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(Files.exists(png));
    assertTrue(r.out().contains("gamma") && r.out().contains("lstm"), r.out());
    // Options of the fresh models with a trained one, or its text without it: refused, not ignored.
    Run scaled = run("gradient-flow", "--model", png.toString(), "--data", png.toString(), "--recurrent-scale", "3");
    assertEquals(2, scaled.exit(), scaled.out());
    assertTrue(scaled.err().contains("--recurrent-scale shapes the fresh models"), scaled.err());
    Run oneStep = run("gradient-flow", "--steps", "1");
    assertEquals(2, oneStep.exit(), oneStep.out());
    assertTrue(oneStep.err().contains("--steps must be 2 or more"), oneStep.err());
    Run noRepeats = run("bench", "--repeats", "0");
    assertEquals(2, noRepeats.exit(), noRepeats.out());
    assertTrue(noRepeats.err().contains("--repeats must be 1 or more, got 0"), noRepeats.err());
    for (String command : new String[] {"train lm", "eval sentiment", "gradient-flow", "export"}) {
      Run version = run((command + " -V").split(" "));
      assertEquals(0, version.exit(), version.err());
      assertTrue(version.out().startsWith("jrnn "), command + " -V: '" + version.out() + "'");
    }
    Run dataAlone = run("gradient-flow", "--data", png.toString());
    assertEquals(2, dataAlone.exit(), dataAlone.out());
    assertTrue(dataAlone.err().contains("--data is the text a model given with --model runs on"), dataAlone.err());
  }

  @Test
  void longRangeWritesTableAndPlot() {
    Path base = dir.resolve("lr");
    Run r = run("long-range", "--cell", "lstm", "--lengths", "5", "--updates", "200", "--hidden", "8",
        "--batch", "16", "--out", base.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(Files.exists(dir.resolve("lr.png")) && Files.exists(dir.resolve("lr.tsv")));
    assertTrue(r.out().contains("lstm, clipped") && r.out().contains("lstm, no clipping"), r.out());
  }

  @Test
  void languageModelTrainEvalGenerateNext() throws IOException {
    String text;
    try (InputStream in = CommandLineTest.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, 40_000);
    }
    Path train = dir.resolve("train.txt");
    Path valid = dir.resolve("valid.txt");
    Files.writeString(train, text.substring(0, 36_000));
    Files.writeString(valid, text.substring(36_000));
    Path model = dir.resolve("m.jrnn");
    Run t = run("train", "lm", "--train", train.toString(), "--valid", valid.toString(), "--level", "char",
        "--hidden", "32", "--embedding", "16", "--layers", "1", "--epochs", "1", "--steps", "32", "--batch", "8",
        "--out", model.toString());
    assertEquals(0, t.exit(), t.err());
    double trained = number(t.lastLine(), "validation bits per character:");
    Run twoValidations = run("train", "lm", "--train", train.toString(), "--valid", valid.toString(), "--valid-split",
        "0.2", "--out", dir.resolve("m2.jrnn").toString());
    assertEquals(2, twoValidations.exit(), twoValidations.out());
    assertTrue(twoValidations.err().contains("--valid-split cuts the validation text"), twoValidations.err());
    Run e = run("eval", "lm", "--model", model.toString(), "--data", valid.toString());
    assertEquals(0, e.exit(), e.err());
    assertEquals(trained, number(e.lastLine(), "bits per character:"), 1e-3);
    double perplexity = jrnn.apps.lm.LanguageModel.load(model).perplexity(Files.readString(valid));
    assertEquals(number(e.lastLine(), "bits per character:"), Math.log(perplexity) / Math.log(2), 1e-4,
        "the library's perplexity is the command's figure");
    Run g = run("generate", "--model", model.toString(), "--prime", "ROMEO:", "--length", "40", "--temperature", "0.7");
    assertEquals(0, g.exit(), g.err());
    assertTrue(g.out().startsWith("ROMEO:") && g.out().strip().length() >= 40, g.out());
    Run n = run("next", "--model", model.toString(), "--count", "3", "the");
    assertEquals(0, n.exit(), n.err());
    assertEquals(4, n.out().strip().split("\n").length, n.out());
    Run bad = run("eval", "lm", "--model", train.toString(), "--data", valid.toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("not a jrnn model file"), bad.err());
  }

  @Test
  void charactersAndWordsUnseenInTrainingAreReadAsUnknownAndCounted() throws IOException {
    String text;
    try (InputStream in = CommandLineTest.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, 20_000);
    }
    Path train = dir.resolve("train.txt");
    Path valid = dir.resolve("valid.txt");
    Files.writeString(train, text.substring(0, 18_000).replace("Z", "").replace("z", ""));
    String validText = text.substring(18_000) + "\nZounds, a zebra!\n";
    Files.writeString(valid, validText);
    long zs = validText.chars().filter(c -> c == 'Z' || c == 'z').count();
    Path model = dir.resolve("c.jrnn");
    Run t = run("train", "lm", "--train", train.toString(), "--valid", valid.toString(), "--level", "char",
        "--hidden", "16", "--embedding", "8", "--layers", "1", "--epochs", "1", "--steps", "16", "--batch", "8",
        "--out", model.toString());
    assertEquals(0, t.exit(), t.err());
    String note = String.format(java.util.Locale.ROOT, "validation: %d of %,d characters unseen in training, read as <unk>",
        zs, validText.length());
    assertTrue(t.out().contains(note), "expected '" + note + "' in " + t.out());
    Run g = run("generate", "--model", model.toString(), "--prime", "Zebra", "--length", "20");
    assertEquals(0, g.exit(), g.err());
    assertTrue(g.out().startsWith("Zebra"), g.out());
    assertTrue(g.err().contains("prompt: 1 of 5 characters unseen in training, read as <unk>"), g.err());
    Run n = run("next", "--model", model.toString(), "--count", "3", "Zounds");
    assertEquals(0, n.exit(), n.err());
    assertTrue(n.err().contains("prompt: 1 of 6 characters unseen"), n.err());

    Path words = dir.resolve("w.jrnn");
    Run w = run("train", "lm", "--train", train.toString(), "--valid", valid.toString(), "--level", "word",
        "--vocab-cap", "0", "--hidden", "16", "--embedding", "8", "--layers", "1", "--epochs", "1", "--steps", "8",
        "--batch", "4", "--out", words.toString());
    assertEquals(0, w.exit(), w.err());
    assertTrue(w.out().contains("words unseen in training, read as <unk>"), w.out());
    Run gw = run("generate", "--model", words.toString(), "--prime", "Zounds zebra", "--length", "5");
    assertEquals(0, gw.exit(), gw.err());
    assertTrue(gw.err().contains("prompt: 2 of 2 words unseen in training"), gw.err());
  }

  @Test
  void settingOptionsComeFromTheDeclarationsAndInfoTellsWhatAnyFileHolds() throws IOException {
    String text;
    try (InputStream in = CommandLineTest.class.getResourceAsStream("/jrnn/demo/shakespeare.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).substring(0, 12_000);
    }
    Path train = dir.resolve("train.txt");
    Files.writeString(train, text);
    Path lm = dir.resolve("lm.jrnn");
    String[] args = {"train", "lm", "--train", train.toString(), "--preset", "shakespeare-char", "--hidden", "16",
        "--embedding", "8", "--layers", "1", "--epochs", "2", "--steps", "16", "--batch", "8", "--two-biases",
        "--out", lm.toString()};
    Run t = run(args);
    assertEquals(0, t.exit(), t.err());
    assertTrue(t.out().matches("(?s).*\n  hidden +16 +option\n.*"), t.out());
    assertTrue(t.out().matches("(?s).*\n  dropout +0\\.2 +preset shakespeare-char\n.*"), "the preset's own value: " + t.out());
    assertTrue(t.out().matches("(?s).*\n  two_biases +true +option\n.*"), t.out());
    // The same run stopped after one epoch, then resumed for the second: the same model at the end.
    String[] first = args.clone();
    first[List.of(args).indexOf("--epochs") + 1] = "1";
    first[List.of(args).indexOf("--out") + 1] = dir.resolve("half.jrnn").toString();
    Run half = run(first);
    assertEquals(0, half.exit(), half.err());
    String[] second = first.clone();
    second[List.of(args).indexOf("--epochs") + 1] = "2";
    Run again = run(concat(second, "--resume"));
    assertEquals(0, again.exit(), again.err());
    assertTrue(again.out().contains("resumed from") && again.out().contains("1 epoch(s) done"), again.out());
    assertTrue(again.out().contains("epoch 2/2") && !again.out().contains("epoch 1/2"), again.out());
    assertEquals(t.lastLine(), again.lastLine(), "the resumed run ends where the uninterrupted one did");
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        jrnn.apps.lm.LanguageModel.load(lm).model().parameters().values().toArray(),
        jrnn.apps.lm.LanguageModel.load(dir.resolve("half.jrnn")).model().parameters().values().toArray(),
        "both keep the same best model");

    Run bad = run("train", "lm", "--train", train.toString(), "--hidden", "0", "--out", lm.toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().startsWith("jrnn: train lm: lm.hidden (--hidden) must be a whole number in [1, inf), got '0'"), bad.err());
    Run badPreset = run("train", "lm", "--train", train.toString(), "--preset", "ptb-large", "--out", lm.toString());
    assertTrue(badPreset.exit() == 2 && badPreset.err().contains("unknown preset 'ptb-large'")
        && badPreset.err().contains("ptb-small"), badPreset.err());
    Run help = run("train", "sentiment", "--help");
    assertTrue(help.out().contains("--word-dropout") && help.out().contains("--checks-per-epoch")
        && help.out().contains("--max-minutes") && help.out().contains("sst2"), help.out());

    Run info = run("info", "--model", lm.toString());
    assertEquals(0, info.exit(), info.err());
    assertTrue(info.out().contains("kind: lm, version 2"), info.out());
    assertTrue(info.out().matches("(?s).*\n  hidden +16\n.*"), info.out());
    assertTrue(info.out().contains("rnn layer 0") && info.out().contains("embedding") && info.out().contains("head"),
        info.out());
    long total = jrnn.apps.lm.LanguageModel.load(lm).model().parameters().layout().size();
    assertTrue(info.out().contains(String.format(java.util.Locale.ROOT, "parameters: %,d", total)), info.out());
    assertTrue(info.out().contains("training: 2 epoch(s)") && info.out().contains("best bits per character"),
        info.out());
    Run ckpt = run("info", "--model", dir.resolve("lm.jrnn.ckpt").toString());
    assertEquals(0, ckpt.exit(), ckpt.err());
    assertTrue(ckpt.out().contains("checkpoint: ") && ckpt.out().contains("next epoch 2"), ckpt.out());

    Path sentences = dir.resolve("s.txt");
    Files.writeString(sentences, "1 a fine film\n0 a dull film\n1 truly fine\n0 truly dull\n");
    Path cls = dir.resolve("s.jrnn");
    Run ts = run("train", "sentiment", "--train", sentences.toString(), "--valid", sentences.toString(), "--embedding",
        "4", "--hidden", "4", "--epochs", "1", "--batch", "2", "--out", cls.toString());
    assertEquals(0, ts.exit(), ts.err());
    Run si = run("info", "--model", cls.toString());
    assertEquals(0, si.exit(), si.err());
    assertTrue(si.out().contains("kind: sentiment, version 2") && si.out().contains("rnn layer 0 reverse")
        && si.out().contains("best accuracy"), si.out());

    byte[] bytes = Files.readAllBytes(lm);
    bytes[bytes.length / 3] ^= 4;
    Path corrupt = dir.resolve("corrupt.jrnn");
    Files.write(corrupt, bytes);
    Run ci = run("info", "--model", corrupt.toString());
    assertEquals(2, ci.exit());
    assertTrue(ci.err().contains("corrupt.jrnn is corrupt or truncated"), ci.err());
  }

  @Test
  void sentimentTrainEvalClassify() throws IOException {
    Path train = dir.resolve("train.txt");
    StringBuilder sb = new StringBuilder();
    String[] pos = {"a great and lovely film", "truly good acting", "fine , warm and funny"};
    String[] neg = {"a dull and awful film", "truly bad acting", "poor , cold and boring"};
    for (int i = 0; i < 60; i++) {
      sb.append("1 ").append(pos[i % 3]).append('\n').append("0 ").append(neg[i % 3]).append('\n');
    }
    Files.writeString(train, sb.toString());
    Path model = dir.resolve("s.jrnn");
    // 6 epochs: with 3, only 4 of the seeds 1 to 5 learned the set; with 6, all five did.
    Run t = run("train", "sentiment", "--train", train.toString(), "--valid", train.toString(), "--embedding", "16",
        "--embedding-std", "0.25", "--hidden", "16", "--epochs", "6", "--batch", "10", "--lr", "1e-2", "--out",
        model.toString());
    assertEquals(0, t.exit(), t.err());
    assertTrue(number(t.lastLine(), "validation accuracy:") > 0.9, t.out());
    assertTrue(t.out().matches("(?s).*\n  embedding_std +0\\.25 +option\n.*"),
        "the effective configuration names the value and where it came from: " + t.out());
    assertTrue(t.out().matches("(?s).*\n  epochs +6 +option\n.*") && t.out().matches("(?s).*\n  cell +lstm +default\n.*"),
        t.out());
    assertEquals(0.25, jrnn.apps.sentiment.SentimentModel.load(model).settings().get(jrnn.apps.sentiment.SentimentSettings.EMBEDDING_STD), "the model file keeps the spread");
    Run e = run("eval", "sentiment", "--model", model.toString(), "--data", train.toString());
    assertEquals(0, e.exit(), e.err());
    assertFalse(e.out().contains("unseen"), "every word was seen in training: " + e.out());
    Path novel = dir.resolve("novel.txt");
    Files.writeString(novel, "1 a splendid film\n0 a dreary , tedious film\n");
    Run u = run("eval", "sentiment", "--model", model.toString(), "--data", novel.toString());
    assertEquals(0, u.exit(), u.err());
    assertTrue(u.out().contains("novel.txt: 3 of 8 words unseen in training, read as <unk>"), u.out());
    Run tu = run("train", "sentiment", "--train", train.toString(), "--valid", novel.toString(), "--embedding", "8",
        "--hidden", "8", "--epochs", "1", "--batch", "10", "--out", dir.resolve("u.jrnn").toString());
    assertEquals(0, tu.exit(), tu.err());
    assertTrue(tu.out().contains("validation: 3 of 8 words unseen in training, read as <unk>"), tu.out());
    assertTrue(number(e.lastLine(), "accuracy:") > 0.9);
    Run ensemble = run("eval", "sentiment", "--model", model.toString(), "--model", model.toString(),
        "--data", train.toString());
    assertEquals(0, ensemble.exit(), ensemble.err());
    assertTrue(ensemble.out().contains("ensemble of 2 models"), ensemble.out());
    assertEquals(number(e.lastLine(), "accuracy:"), number(ensemble.lastLine(), "accuracy:"), 1e-9,
        "a model averaged with itself: " + ensemble.out());
    Run c = run("classify", "--model", model.toString(), "--trace", "a", "lovely", "film");
    assertEquals(0, c.exit(), c.err());
    assertTrue(c.lastLine().startsWith("positive"), c.out());
    assertEquals(4, c.out().strip().split("\n").length, c.out());
    Run pair = run("classify", "--model", model.toString(), "--model", model.toString(), "--trace", "a", "lovely", "film");
    assertEquals(0, pair.exit(), pair.err());
    assertEquals(c.out(), pair.out(), "a model averaged with itself classifies as it does alone");
    Run fine = run("train", "sentiment", "--train", train.toString(), "--fine-grained", "true", "--out",
        dir.resolve("f.jrnn").toString());
    assertEquals(2, fine.exit());
    assertTrue(fine.err().contains("fine-grained training needs the five labels of SST trees")
        && fine.err().contains("train.txt"), fine.err());
    Path trees = dir.resolve("trees.txt");
    Files.writeString(trees, "(3 (2 It) (4 works))\n(1 (0 Awful) (2 film))\n");
    Run fineCv = run("train", "sentiment", "--train", trees.toString(), "--fine-grained", "true", "--cv", "2",
        "--out", dir.resolve("f.jrnn").toString());
    assertEquals(2, fineCv.exit());
    assertTrue(fineCv.err().contains("cross-validation scores the held-out folds on polarity"), fineCv.err());
    Files.writeString(dir.resolve("broken.txt"), "1 fine\nnot a label\n");
    Run bad = run("eval", "sentiment", "--model", model.toString(), "--data", dir.resolve("broken.txt").toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("broken.txt line 2"), bad.err());
    assertTrue(List.of(bad.err().split("\n")).size() <= 2, "one clear line, no stack trace: " + bad.err());
  }

  @Test
  void crossValidationWritesHeldOutPredictionsAndEnsemblesRuns() throws IOException {
    Path pos = dir.resolve("pos.txt");
    Path neg = dir.resolve("neg.txt");
    String[] good = {"a great and lovely film", "truly good acting", "fine , warm and funny", "a good , warm story"};
    String[] bad = {"a dull and awful film", "truly bad acting", "poor , cold and boring", "a bad , cold story"};
    StringBuilder p = new StringBuilder();
    StringBuilder n = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      p.append(good[i % 4]).append('\n');
      n.append(bad[i % 4]).append('\n');
    }
    Files.writeString(pos, p.toString());
    Files.writeString(neg, n.toString());
    String[] common = {"train", "sentiment", "--pos", pos.toString(), "--neg", neg.toString(), "--cv", "2",
        "--embedding", "8", "--hidden", "8", "--batch", "10", "--adversarial", "0",
        "--out", dir.resolve("cv.jrnn").toString()};
    Path a = dir.resolve("a.tsv");
    Path b = dir.resolve("b.tsv");
    Run first = run(concat(common, "--epochs", "2", "--cv-predictions", a.toString()));
    assertEquals(0, first.exit(), first.err());
    HeldOutPredictions pa = HeldOutPredictions.read(a);
    assertEquals(40, pa.size());
    double[] acc = pa.foldAccuracies(2);
    assertEquals(number(first.lastLine(), "cross-validated accuracy:"), (acc[0] + acc[1]) / 2, 1e-4,
        "the file holds what the run scored: " + first.out());
    // Another configuration, so that the ensemble differs from either run (62.5%, 50% and 37.5% here;
    // a seed that gives no such difference fails the check below, rather than passing unseen).
    Run second = run(concat(common, "--epochs", "8", "--lr", "1e-2", "--seed", "7", "--cv-predictions", b.toString(),
        "--cv-ensemble-with", a.toString()));
    assertEquals(0, second.exit(), second.err());
    double[] both = HeldOutPredictions.mean(List.of(HeldOutPredictions.read(b), pa), List.of("b", "a"))
        .foldAccuracies(2);
    String expected = String.format(java.util.Locale.ROOT, "ensemble: 2-fold cross-validation: %.2f%%",
        100 * (both[0] + both[1]) / 2);
    assertTrue(second.out().contains(expected), "expected '" + expected + "' in " + second.out());
    double ensembleMean = (both[0] + both[1]) / 2;
    for (Path run : List.of(a, b)) {
      double[] own = HeldOutPredictions.read(run).foldAccuracies(2);
      assertTrue(Math.abs((own[0] + own[1]) / 2 - ensembleMean) > 0.01,
          "the ensemble must differ from " + run + " alone, or this test could not tell them apart");
    }
    StringBuilder perFold = new StringBuilder("per fold:");
    for (double f : both) {
      perFold.append(String.format(java.util.Locale.ROOT, " %.2f", 100 * f));
    }
    assertTrue(second.out().contains(perFold), "expected '" + perFold + "' in " + second.out());
    Path other = dir.resolve("other.tsv");
    new HeldOutPredictions(new int[] {0, 1}, new int[] {1, 0}, new double[] {0.5, 0.5}).write(other);
    Run mismatched = run(concat(common, "--cv-ensemble-with", other.toString()));
    assertEquals(2, mismatched.exit());
    assertTrue(mismatched.err().contains("other.tsv holds 2 examples"), mismatched.err());
    assertFalse(mismatched.out().contains("fold 1/2"), "refused before any training: " + mismatched.out());
    String[] many = common.clone();
    many[List.of(common).indexOf("--cv") + 1] = "21"; // 20 snippets a class: the 21st fold would be empty
    Run tooManyFolds = run(many);
    assertTrue(tooManyFolds.exit() != 0 && tooManyFolds.err().contains("leaves fold 21 without an example"),
        tooManyFolds.err());
    Run noCv = run("train", "sentiment", "--pos", pos.toString(), "--neg", neg.toString(), "--cv-predictions",
        a.toString(), "--out", dir.resolve("x.jrnn").toString());
    assertEquals(2, noCv.exit());
    assertTrue(noCv.err().contains("need --cv K with K >= 2"), noCv.err());
    // What would stop the final run is refused before the folds train: an output that is a folder
    // (the model's, its checkpoint's, or the predictions'), and --resume, which the folds cannot take.
    Files.deleteIfExists(dir.resolve("cv.jrnn.ckpt"));
    Files.createDirectories(dir.resolve("cv.jrnn.ckpt"));
    Run ckptFolder = run(common);
    Files.delete(dir.resolve("cv.jrnn.ckpt"));
    Files.createDirectories(dir.resolve("folder.tsv"));
    Run predictionsFolder = run(concat(common, "--cv-predictions", dir.resolve("folder.tsv").toString()));
    Run resumed = run(concat(common, "--resume"));
    for (Run r : List.of(ckptFolder, predictionsFolder, resumed)) {
      assertEquals(2, r.exit(), r.out());
      assertFalse(r.out().contains("fold 1/2"), "refused before any training: " + r.out() + r.err());
    }
    assertTrue(ckptFolder.err().contains("cv.jrnn.ckpt is a folder"), ckptFolder.err());
    assertTrue(predictionsFolder.err().contains("folder.tsv is a folder"), predictionsFolder.err());
    assertTrue(resumed.err().contains("--resume continues the final model's run"), resumed.err());
  }

  /**
   * Without --valid, the split falls at a line's start, so no word is cut in two (the tokens of
   * both parts are those of the whole); a split too small to check on is refused.
   */
  @Test
  void aLanguageModelsValidationSplitCutsNoWordAndIsLargeEnoughToCheck() throws IOException {
    Path text = dir.resolve("words.txt");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 60; i++) {
      sb.append("the cat sat on a mat number ").append(i % 7).append('\n');
    }
    Files.writeString(text, sb.toString());
    String[] common = {"train", "lm", "--train", text.toString(), "--level", "word", "--hidden", "4", "--embedding",
        "4", "--layers", "1", "--epochs", "1", "--steps", "4", "--batch", "2", "--out", dir.resolve("w.jrnn").toString()};
    Run split = run(concat(common, "--valid-split", "0.13"));
    assertEquals(0, split.exit(), split.err());
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9,]+) training and ([0-9,]+) validation tokens")
        .matcher(split.out());
    assertTrue(m.find(), split.out());
    int tokens = Integer.parseInt(m.group(1).replace(",", "")) + Integer.parseInt(m.group(2).replace(",", ""));
    assertEquals(60 * 9, tokens, "every word whole on one side: " + split.out());
    Run tiny = run(concat(common, "--valid-split", "0.0001"));
    assertEquals(2, tiny.exit(), tiny.out());
    assertTrue(tiny.err().contains("token(s); each is predicted from the one before"), tiny.err());
    // Long lines: the split stays near its share, at a space, rather than moving to the next line.
    String oneLine = "alpha beta gamma delta epsilon zeta eta theta iota kappa ".repeat(20) + "\n";
    int cut = TrainLmCommand.boundaryNear(oneLine, (int) (oneLine.length() * 0.9));
    assertTrue(cut > oneLine.length() * 0.85 && cut < oneLine.length() * 0.95, "cut at " + cut);
    assertEquals(' ', oneLine.charAt(cut - 1), "after a space");
    String lines = "one two three\n".repeat(50);
    assertEquals('\n', lines.charAt(TrainLmCommand.boundaryNear(lines, 500) - 1), "at a line's start");
  }

  /** A missing or unknown command is an error of one line that names the commands there are. */
  @Test
  void aMissingOrUnknownCommandNamesTheCommands() {
    Run group = run("train");
    assertEquals(2, group.exit(), group.out());
    assertEquals("jrnn: train: name one of its commands: lm, sentiment, translate, speech (see jrnn train --help)",
        group.err().strip());
    Run unknown = run("foo");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.err().startsWith("jrnn: 'foo' is not a command; the commands: demo, train, eval"), unknown.err());
    Run sub = run("train", "lmm");
    assertEquals(2, sub.exit());
    assertTrue(sub.err().startsWith("jrnn: train: 'lmm' is not a command of train; the commands: lm, sentiment"),
        sub.err());
  }

  /** Recordings without what they say cannot train or be scored: --audio alone is refused, saying what is needed. */
  @Test
  void speechRecordingsWithoutAManifestOrListAreRefused() throws IOException {
    Files.createDirectories(dir.resolve("recordings"));
    Run r = run("train", "speech", "--out", dir.resolve("s.jrnn").toString(), "--audio",
        dir.resolve("recordings").toString());
    assertEquals(2, r.exit(), r.out());
    assertTrue(r.err().contains("give --manifest FILE with --audio ARCHIVE_OR_DIR, or --list FILE"), r.err());
  }

  @Test
  void sentimentOptionsThatWouldDropValidationOrMixFoldsAreRefused() throws IOException {
    Path pos = dir.resolve("p.txt");
    Path neg = dir.resolve("n.txt");
    Files.writeString(pos, "a fine film\na lovely plot\n");
    Files.writeString(neg, "a dull film\nan awful plot\n");
    Path trees = dir.resolve("t.txt");
    Files.writeString(trees, "(3 (2 It) (4 works))\n(1 (0 Awful) (2 film))\n");
    String out = dir.resolve("s.jrnn").toString();
    Map<String, String[]> cases = Map.of(
        "--valid-pos and --valid-neg go together", new String[] {"--pos", pos.toString(), "--neg", neg.toString(),
            "--valid-pos", pos.toString()},
        "name two validation sets", new String[] {"--pos", pos.toString(), "--neg", neg.toString(), "--valid",
            trees.toString(), "--valid-pos", pos.toString(), "--valid-neg", neg.toString()},
        "with --phrases a held-out sentence's phrases", new String[] {"--train", trees.toString(), "--phrases",
            "true", "--cv", "2"},
        "phrase-level training needs SST trees; --pos/--neg", new String[] {"--pos", pos.toString(), "--neg",
            neg.toString(), "--phrases", "true"});
    for (Map.Entry<String, String[]> c : cases.entrySet()) {
      Run r = run(concat(concat(new String[] {"train", "sentiment"}, c.getValue()), "--out", out));
      assertEquals(2, r.exit(), c.getKey() + ": " + r.out());
      assertTrue(r.err().contains(c.getKey()), r.err());
    }
    // Nothing to train on (neutral trees are left out), or nothing to evaluate: refused, no model written.
    Path neutral = dir.resolve("neutral.txt");
    Files.writeString(neutral, "(2 (2 It) (2 is))\n");
    Run empty = run("train", "sentiment", "--train", neutral.toString(), "--out", out);
    assertEquals(2, empty.exit(), empty.out());
    assertTrue(empty.err().contains("nothing to train on"), empty.err());
    assertFalse(Files.exists(Path.of(out)), "no model written");
    // Validation data of neutral trees only: a run would have had no check and kept its last model.
    Run noChecks = run("train", "sentiment", "--train", trees.toString(), "--valid", neutral.toString(), "--out", out);
    assertEquals(2, noChecks.exit(), noChecks.out());
    assertTrue(noChecks.err().contains("validation data hold no sentence to check on (" + neutral), noChecks.err());
    assertFalse(Files.exists(Path.of(out)), "no model written");
    Path model = dir.resolve("m.jrnn");
    SentimentModel.create(SentimentSettings.SCHEMA.defaults().with(Map.of("hidden", "4", "embedding", "4",
        "min_count", "1")), SentimentModel.vocabulary(List.of(new Example(List.of("a", "fine"), 1)), 1)).save(model);
    Path characters = dir.resolve("c.jrnn");
    jrnn.apps.lm.LanguageModel.create(jrnn.apps.lm.LmSettings.SCHEMA.defaults().with(Map.of("level", "char",
        "hidden", "4", "embedding", "4")), jrnn.data.Vocabulary.build(List.of("a", "b"), 0)).save(characters);
    Run fromCharacters = run("train", "sentiment", "--pos", pos.toString(), "--neg", neg.toString(),
        "--embeddings-from", characters.toString(), "--out", out);
    assertEquals(2, fromCharacters.exit(), fromCharacters.out());
    assertTrue(fromCharacters.err().contains("c.jrnn is a character-level language model"), fromCharacters.err());
    Run both = run("eval", "sentiment", "--model", model.toString(), "--data", trees.toString(), "--pos",
        pos.toString(), "--neg", neg.toString());
    assertEquals(2, both.exit(), both.out());
    assertTrue(both.err().contains("give --data FILE, or --pos FILE and --neg FILE, not both"), both.err());
    Run none = run("eval", "sentiment", "--model", model.toString(), "--data", neutral.toString());
    assertEquals(2, none.exit(), none.out());
    assertTrue(none.err().contains("neutral.txt holds no sentence to evaluate"), none.err());
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
