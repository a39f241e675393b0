package jrnn.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
import jrnn.audio.WavTest;
import jrnn.data.BytePairEncoding;
import jrnn.data.Vocabulary;

/**
 * Writes the fuzzers' seed corpus: small real files of every kind the readers take, made by jrnn
 * itself (src/test/resources/jrnn/fuzz/ReadersFuzzTestInputs/METHOD/seed-*). Run it again after
 * a file format changes (docs/reliability.md gives the command).
 */
public final class SeedCorpus {
  private SeedCorpus() {}

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources/jrnn/fuzz/ReadersFuzzTestInputs");
    Path tmp = Files.createTempDirectory("seeds");
    String text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n";

    LanguageModel.create(LmSettings.SCHEMA.defaults().with(Map.of("level", "char", "vocab_cap", "0", "hidden", "4",
        "embedding", "2", "layers", "1")), Vocabulary.build(Vocabulary.characters(text), 0)).save(tmp.resolve("lm"));
    SentimentModel.create(SentimentSettings.SCHEMA.defaults().with(Map.of("hidden", "2", "embedding", "2",
        "min_count", "1")), SentimentModel.vocabulary(List.of(new Example(List.of("a", "fine", "film"), 1)), 1))
        .save(tmp.resolve("sentiment"));
    TranslationModel.create(TranslateSettings.SCHEMA.defaults().with(Map.of("bpe_merges", "2", "embedding", "2",
        "hidden", "2", "decoder_hidden", "2")), List.of("a b c", "b c"), List.of("c b a", "c b"))
        .save(tmp.resolve("translate"));
    List<Utterance> words = Chirps.words(2, 1);
    var speech = SpeechSettings.SCHEMA.preset("fsdd").with(Map.of("hidden", "2", "layers", "1", "mel_bins", "8"));
    SpeechModel.create(speech, SpeechModel.labels(speech, words), SpeechFeatures.statisticsFor(speech, words))
        .save(tmp.resolve("speech"));
    // Model files without their 32-byte checksum: the harness appends the right one.
    for (String app : List.of("lm", "sentiment", "translate", "speech")) {
      byte[] f = Files.readAllBytes(tmp.resolve(app));
      byte[] body = Arrays.copyOf(f, f.length - 32);
      write(root, "modelFile", app, body);
      write(root, switch (app) {
        case "lm" -> "languageModelFile";
        case "sentiment" -> "sentimentModelFile";
        case "translate" -> "translationModelFile";
        default -> "speechModelFile";
      }, app, body);
    }
    jrnn.interop.NetworkFiles.Stack stack = jrnn.interop.NetworkFiles.Stack.zeros(
        new jrnn.layers.RecurrentConfig(jrnn.cells.CellType.parse("lstm"), 2, 1, 2, jrnn.layers.Bidirectional.CONCAT, 0));
    jrnn.interop.Safetensors.write(tmp.resolve("weights"),
        jrnn.interop.TorchStateDict.of(stack.config(), stack.parameters(), "rnn.", ""), Map.of("format", "pt"));
    write(root, "safetensors", "lstm", Files.readAllBytes(tmp.resolve("weights")));
    float[] chirp = Arrays.copyOf(words.get(0).audio().samples(), 800);
    byte[] wav = WavTest.pcm16(chirp, Chirps.RATE);
    write(root, "wav", "chirp", wav);
    write(root, "textOrGzip", "text", text.getBytes(StandardCharsets.UTF_8));
    write(root, "textOrGzip", "gzip", gzip(text.getBytes(StandardCharsets.UTF_8)));
    write(root, "manifest", "tsv", "path\tlabel\tspeaker\na.wav\tup\tx\nb/c.wav\tdown\ty\n".getBytes(StandardCharsets.UTF_8));
    write(root, "tarArchive", "tar", tar("a.wav", wav));
    write(root, "tarArchive", "tgz", gzip(tar("b/c.wav", wav)));
    byte[] trees = "(3 (2 a) (4 (3 fine) (2 film)))\n(1 (2 not) (1 good))\n".getBytes(StandardCharsets.UTF_8);
    write(root, "sstTrees", "trees", trees);
    write(root, "sstTree", "tree", trees);
    write(root, "sentences", "lines", "a fine film\nnot good at all\n".getBytes(StandardCharsets.UTF_8));
    write(root, "heldOutPredictions", "tsv",
        "example\tfold\tlabel\tpositive\n0\t0\t1\t0.75\n1\t1\t0\t0.25\n".getBytes(StandardCharsets.UTF_8));
    write(root, "vocabularyText", "vocab", Vocabulary.build(Vocabulary.characters(text), 0).toText()
        .getBytes(StandardCharsets.UTF_8));
    write(root, "mergesText", "merges", BytePairEncoding.learn(List.of(text), 8).toText().getBytes(StandardCharsets.UTF_8));
    write(root, "runHistory", "history", jrnn.io.ModelFile.read(tmp.resolve("lm")).has("training")
        ? jrnn.io.ModelFile.read(tmp.resolve("lm")).get("training")
        : "check\t1\t5\t10\t2.5\t0.9\nepoch\t1\t0.002\t0.9\t2.5\t2.4\t2.4\t1.5\ttrue\nstopped\tfinished\nupdates\t10\n"
            .getBytes(StandardCharsets.UTF_8));
  }

  private static void write(Path root, String method, String name, byte[] bytes) throws IOException {
    Files.createDirectories(root.resolve(method));
    Files.write(root.resolve(method).resolve("seed-" + name), bytes);
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  /** A ustar archive of one file. */
  private static byte[] tar(String name, byte[] body) {
    byte[] header = new byte[512];
    System.arraycopy(name.getBytes(StandardCharsets.US_ASCII), 0, header, 0, name.length());
    put(header, 100, String.format("%07o", 0644));
    put(header, 108, String.format("%07o", 0));
    put(header, 116, String.format("%07o", 0));
    put(header, 124, String.format("%011o", body.length));
    put(header, 136, String.format("%011o", 0));
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    int padded = (body.length + 511) / 512 * 512;
    byte[] out = new byte[512 + padded + 1024];
    System.arraycopy(header, 0, out, 0, 512);
    System.arraycopy(body, 0, out, 512, body.length);
    return out;
  }

  private static void put(byte[] h, int at, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, at, b.length);
  }
}
