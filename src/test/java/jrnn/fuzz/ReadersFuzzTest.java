package jrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.sentiment.HeldOutPredictions;
import jrnn.apps.sentiment.SentimentData;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.apps.sentiment.SstTree;
import jrnn.apps.speech.SpeechModel;
import jrnn.apps.translate.TranslationModel;
import jrnn.audio.AudioCorpus;
import jrnn.audio.Wav;
import jrnn.data.BytePairEncoding;
import jrnn.data.TextFiles;
import jrnn.data.Vocabulary;
import jrnn.frame.RunHistory;
import jrnn.io.ModelFile;

/**
 * Every reader of outside input under a coverage-guided fuzzer (Jazzer). Each input must load or
 * fail with one of jrnn's own errors that names the file (or, for readers of text already in
 * memory, the problem): an {@link IOException} or an {@link IllegalArgumentException}. Any other
 * exception, an OutOfMemoryError from a length that lies, a stack overflow or an endless loop is
 * a finding, and a finding becomes a file of the seed corpus (src/test/resources/jrnn/fuzz/
 * ReadersFuzzTestInputs/METHOD/), which the normal test run replays.
 *
 * <p>In the normal test run each target replays its seeds and findings, and {@link FuzzSmokeTest}
 * fuzzes each for a few seconds; {@code mvn test -Pfuzz -Dfuzz.target=modelFile -Dfuzz.duration=10m}
 * fuzzes one target for ten minutes (docs/reliability.md).
 */
class ReadersFuzzTest {

  /** The file the readers read: one per thread, rewritten for every input. */
  private static final ThreadLocal<Path> FILE = ThreadLocal.withInitial(() -> {
    try {
      Path dir = Files.createTempDirectory("jrnn-fuzz");
      // Deleted at exit in the reverse order of these calls: the file, then its folder.
      dir.toFile().deleteOnExit();
      dir.resolve("input").toFile().deleteOnExit();
      return dir.resolve("input");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  });

  @FunctionalInterface
  interface Reader {
    void read(Path file) throws Exception;
  }

  /**
   * Writes {@code bytes} to the file, runs {@code reader} on it and lets only jrnn's own errors
   * through: those that name the file (or one of {@code alsoNamed}, files the input points to).
   */
  static void check(byte[] bytes, Reader reader, Path... alsoNamed) throws Exception {
    Path file = FILE.get();
    Files.write(file, bytes);
    try {
      reader.read(file);
    } catch (IOException | IllegalArgumentException e) {
      String m = String.valueOf(e.getMessage());
      boolean named = m.contains(file.toString());
      for (Path p : alsoNamed) {
        named |= m.contains(p.toString());
      }
      if (!named) {
        throw new AssertionError("an error that does not name the file: " + e, e);
      }
    }
  }

  /** As {@link #check}, for readers of text already in memory: their errors need not name a file. */
  static void checkText(byte[] bytes, Reader reader) throws Exception {
    try {
      reader.read(null);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() == null || e.getMessage().isBlank()) {
        throw new AssertionError("an error without a message", e);
      }
    }
  }

  /**
   * A model file whose body is the input and whose SHA-256 is right, so that the fuzzer reaches
   * past the checksum into the sections, the settings, the layouts and the vocabularies. (Random
   * bytes with a wrong checksum are refused at the checksum, which BadInputTest covers.)
   */
  static byte[] withChecksum(byte[] body) throws Exception {
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(body);
    byte[] out = java.util.Arrays.copyOf(body, body.length + digest.length);
    System.arraycopy(digest, 0, out, body.length, digest.length);
    return out;
  }

  @FuzzTest
  void modelFile(byte[] body) throws Exception {
    check(withChecksum(body), ModelFile::read);
  }

  @FuzzTest
  void languageModelFile(byte[] body) throws Exception {
    check(withChecksum(body), LanguageModel::load);
  }

  @FuzzTest
  void sentimentModelFile(byte[] body) throws Exception {
    check(withChecksum(body), SentimentModel::load);
  }

  @FuzzTest
  void translationModelFile(byte[] body) throws Exception {
    check(withChecksum(body), TranslationModel::load);
  }

  @FuzzTest
  void speechModelFile(byte[] body) throws Exception {
    check(withChecksum(body), SpeechModel::load);
  }

  @FuzzTest
  void safetensors(byte[] bytes) throws Exception {
    check(bytes, file -> {
      jrnn.interop.Safetensors st = jrnn.interop.Safetensors.read(file);
      for (String name : st.entries().keySet()) {
        try {
          st.floats(name);
        } catch (IllegalArgumentException e) {
          if (!e.getMessage().contains(file.toString())) {
            throw e;
          }
        }
      }
      jrnn.interop.TorchImport.read(st, jrnn.interop.TorchImport.Options.fromFile(jrnn.cells.CellType.parse("lstm")));
    });
  }

  @FuzzTest
  void wav(byte[] bytes) throws Exception {
    check(bytes, Wav::read);
  }

  @FuzzTest
  void textOrGzip(byte[] bytes) throws Exception {
    check(bytes, TextFiles::read);
  }

  /** A folder of recordings for manifests to point into: a.wav and b/c.wav, the wav seed. */
  private static final ThreadLocal<Path> AUDIO = ThreadLocal.withInitial(() -> {
    try {
      Path dir = Files.createTempDirectory("jrnn-fuzz-audio");
      byte[] wav = ReadersFuzzTest.class.getResourceAsStream("ReadersFuzzTestInputs/wav/seed-chirp").readAllBytes();
      Files.write(dir.resolve("a.wav"), wav);
      Files.createDirectories(dir.resolve("b"));
      Files.write(dir.resolve("b/c.wav"), wav);
      for (String made : new String[] {"", "b", "a.wav", "b/c.wav"}) {
        dir.resolve(made).toFile().deleteOnExit();  // deleted at exit last to first
      }
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  });

  @FuzzTest
  void manifest(byte[] bytes) throws Exception {
    Path audio = AUDIO.get();
    check(bytes, f -> AudioCorpus.read(f, audio), audio);
  }

  @FuzzTest
  void tarArchive(byte[] bytes) throws Exception {
    check(bytes, f -> AudioCorpus.readTar(f, Set.of("a.wav", "b/c.wav")));
  }

  @FuzzTest
  void sstTrees(byte[] bytes) throws Exception {
    check(bytes, SentimentData::fineGrainedSentences);
  }

  @FuzzTest
  void sentences(byte[] bytes) throws Exception {
    check(bytes, SentimentData::sentences);
  }

  @FuzzTest
  void heldOutPredictions(byte[] bytes) throws Exception {
    check(bytes, HeldOutPredictions::read);
  }

  @FuzzTest
  void vocabularyText(byte[] bytes) throws Exception {
    checkText(bytes, f -> Vocabulary.fromText(new String(bytes, StandardCharsets.UTF_8)));
  }

  @FuzzTest
  void mergesText(byte[] bytes) throws Exception {
    checkText(bytes, f -> BytePairEncoding.fromText(new String(bytes, StandardCharsets.UTF_8)));
  }

  @FuzzTest
  void sstTree(byte[] bytes) throws Exception {
    checkText(bytes, f -> SstTree.parse(new String(bytes, StandardCharsets.UTF_8), "line 1"));
  }

  @FuzzTest
  void runHistory(byte[] bytes) throws Exception {
    check(bytes, f -> RunHistory.parse(new String(bytes, StandardCharsets.UTF_8), f));
  }
}
