package jrnn.frame;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jrnn.data.Vocabulary;
import jrnn.io.ConfigProperties;
import jrnn.io.ModelFile;
import jrnn.io.ModelFileException;
import jrnn.kernels.Kernels;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;

/**
 * The one model file of every application, in jrnn's checksummed container ({@link ModelFile}):
 *
 * <pre>
 *   header    kind=lm, version=2: the application and the version of this layout
 *   meta      the model configuration (model.*) and the application's settings (kind.*)
 *   layout    one "name dims..." line per parameter
 *   params    float32, little-endian, in layout order
 *   ...       the application's own sections (vocab: one token per line)
 *   training  the run that made it ({@link RunHistory}), when one did
 * </pre>
 *
 * and, in checkpoints, {@code optimizer} and {@code state}. Version 1 files (written before the
 * frame, without a header; their kind is meta's {@code app}) keep loading.
 */
public final class AppFile {
  /** The layout version this class writes; it reads 1 (without a header) and 2. */
  public static final int VERSION = 2;

  private final ModelFile file = new ModelFile();

  private AppFile() {}

  /** A file of {@code model} trained with {@code settings}, of the settings' application. */
  public static AppFile of(Settings settings, SequenceModel model) {
    return of(settings, ConfigProperties.of(model.config()), model.parameters());
  }

  /**
   * A file of a network that is not a {@link SequenceModel} (an encoder-decoder): its settings
   * and the sizes of its own sections say everything its layout needs.
   */
  public static AppFile of(Settings settings, Parameters params) {
    return of(settings, Map.of(), params);
  }

  /**
   * A file of {@code params} whose configuration is the properties {@code modelConfig} (keys
   * outside the settings' kind), for networks that are neither a {@link SequenceModel} nor an
   * application's own.
   */
  public static AppFile of(Settings settings, Map<String, String> modelConfig, Parameters params) {
    AppFile f = new AppFile();
    String kind = settings.schema().kind();
    f.file.putProperties("header", Map.of("kind", kind, "version", Integer.toString(VERSION)));
    Map<String, String> meta = new TreeMap<>(modelConfig);
    meta.putAll(settings.toProperties());
    meta.put("app", kind);
    f.file.putProperties("meta", meta);
    f.file.putParameters(params);
    return f;
  }

  /** Stores {@code vocab} in {@code section}, one token per line. */
  public AppFile putVocabulary(String section, Vocabulary vocab) {
    file.putText(section, vocab.toText());
    return this;
  }

  /** Stores the run that made the model in the {@code training} section. */
  public AppFile putHistory(RunHistory history) {
    file.putText(RunHistory.SECTION, history.toText());
    return this;
  }

  /** The container, for the sections a checkpoint adds. */
  public ModelFile container() {
    return file;
  }

  /** Writes the file to {@code path}, replacing it only once the new file is complete. */
  public void write(Path path) throws IOException {
    file.write(path);
  }

  /**
   * The kind and layout version of a file.
   *
   * @param kind the application, e.g. {@code lm}
   * @param version the layout version, 1 for a file without a header
   */
  public record Header(String kind, int version) {}

  /**
   * The kind and version of {@code f} (read from {@code path}); a version 1 file without a header
   * reads as meta's {@code app}. An error when neither names the kind, when the header is
   * malformed or contradicts the settings, or when its version is not one this jrnn reads.
   */
  public static Header header(ModelFile f, Path path) throws ModelFileException {
    return header(f, String.valueOf(path));
  }

  /** {@link #header(ModelFile, Path)} of a file named {@code path} in messages (a cluster's URI too). */
  public static Header header(ModelFile f, String path) throws ModelFileException {
    if (!f.has("header")) {
      String app = f.has("meta") ? f.getProperties("meta").get("app") : null;
      if (app == null) {
        throw new ModelFileException("model file " + path + " names no application (no header, no app in meta)");
      }
      return new Header(app, 1);
    }
    Map<String, String> h = f.getProperties("header");
    String kind = h.get("kind");
    if (h.get("version") == null) {
      throw new ModelFileException("model file " + path + "'s header gives no version: " + h);
    }
    int version;
    try {
      version = Integer.parseInt(h.get("version"));
    } catch (NumberFormatException e) {
      throw new ModelFileException("model file " + path + " has header version '" + h.get("version")
          + "', not a whole number");
    }
    if (kind == null) {
      throw new ModelFileException("model file " + path + "'s header names no kind");
    }
    String app = f.has("meta") ? f.getProperties("meta").get("app") : null;
    if (app != null && !app.equals(kind)) {
      throw new ModelFileException("model file " + path + "'s header says it holds a '" + kind + "' model, its"
          + " settings say '" + app + "'");
    }
    if (version > VERSION || version < 2) {
      throw new ModelFileException("model file " + path + " is a " + kind + " file of version " + version
          + "; this jrnn reads versions 1 (without a header) to " + VERSION + (version > VERSION
          ? " (a newer jrnn wrote it)" : ""));
    }
    return new Header(kind, version);
  }

  /**
   * What a file holds, read and checked; {@code model} is null for a network that is not a
   * {@link SequenceModel}, whose application loads its parameters with {@link #parameters}.
   *
   * @param header the file's kind and version
   * @param settings the application's settings
   * @param model the sequence model, or null for another network
   * @param file the container, for the application's own sections
   * @param path where the file was read from, for messages
   */
  public record Contents(Header header, Settings settings, SequenceModel model, ModelFile file, Path path) {

    /** The parameters, in {@code layout}, which must be the file's. */
    public Parameters parameters(ParamLayout layout) throws ModelFileException {
      if (model != null) {
        if (!model.parameters().layout().entries().toString().equals(layout.entries().toString())) {
          throw new ModelFileException("model file " + path + " has another parameter layout than this model");
        }
        return model.parameters();
      }
      file.requireLayout(layout);
      Parameters params = new Parameters(layout);
      file.loadParameters(params);
      return params;
    }

    /** The vocabulary in {@code section}, which must have as many entries as a sequence model's input table. */
    public Vocabulary vocabulary(String section) throws ModelFileException {
      Vocabulary vocab = Vocabulary.fromText(file.getText(section));
      if (model != null && vocab.size() != model.config().vocabSize()) {
        throw new ModelFileException("model file " + path + " has " + vocab.size()
            + " vocabulary entries, its configuration says " + model.config().vocabSize());
      }
      return vocab;
    }

    /** Refuses a file whose vocabulary in {@code section} is not {@code expected} (a resumed run on other data). */
    public void requireVocabulary(String section, Vocabulary expected) throws ModelFileException {
      // Read as it is: a section of labels (a speech model's words) is not the network's input table.
      List<String> theirs = Vocabulary.fromText(file.getText(section)).tokens();
      List<String> ours = expected.tokens();
      if (!theirs.equals(ours)) {
        int i = 0;
        while (i < Math.min(theirs.size(), ours.size()) && theirs.get(i).equals(ours.get(i))) {
          i++;
        }
        throw new ModelFileException("model file " + path + " has another vocabulary than this run's training data: "
            + theirs.size() + " entries against " + ours.size() + (i < Math.min(theirs.size(), ours.size())
            ? ", entry " + i + " is '" + theirs.get(i) + "' against '" + ours.get(i) + "'" : ""));
      }
    }

    /** The run that made the model, or null for a file written before runs were recorded. */
    public RunHistory history() throws ModelFileException {
      return file.has(RunHistory.SECTION) ? RunHistory.parse(file.getText(RunHistory.SECTION), path) : null;
    }
  }

  /** A reading of a model file, by an application's {@code load}. */
  @FunctionalInterface
  public interface Loader<T> {
    /** Reads the file. */
    T load() throws IOException;
  }

  /**
   * Runs {@code loader}, an application's reading of the model file at {@code path}, so that every
   * way the file can be wrong ends as a {@link ModelFileException} that names it: a problem found
   * deep in a section (a malformed vocabulary line, a configuration out of range) gets the path,
   * and an unchecked exception from a value no check foresaw becomes "malformed" with its cause.
   */
  public static <T> T loading(Path path, Loader<T> loader) throws IOException {
    try {
      return loader.load();
    } catch (ModelFileException e) {
      if (e.getMessage() != null && e.getMessage().contains(path.toString())) {
        throw e;
      }
      throw new ModelFileException("model file " + path + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new ModelFileException("model file " + path + " is malformed: " + (e.getMessage() == null
          ? e.getClass().getSimpleName() : e.getMessage()), e);
    }
  }

  /** Reads the model file at {@code path}, which must hold a model of {@code schema}'s application. */
  public static Contents read(Path path, SettingsSchema schema, String what) throws IOException {
    return read(ModelFile.read(path), path, schema, what);
  }

  /**
   * Reads the model of {@code schema}'s application from {@code f}; {@code what} names it in errors
   * (such as "language model").
   */
  public static Contents read(ModelFile f, Path path, SettingsSchema schema, String what) throws IOException {
    Header header = header(f, path);
    if (!header.kind().equals(schema.kind())) {
      throw new ModelFileException("model file " + path + " holds a '" + header.kind() + "' model, not a " + what);
    }
    Map<String, String> meta = f.getProperties("meta");
    Settings settings;
    try {
      settings = schema.fromProperties(meta);
    } catch (IllegalArgumentException e) {
      throw new ModelFileException("model file " + path + " has invalid " + what + " settings: " + e.getMessage());
    }
    if (!meta.containsKey("model.cell")) {
      return new Contents(header, settings, null, f, path);
    }
    ModelConfig cfg = ConfigProperties.read(meta);
    f.requireLayout(cfg.parameterLayout());
    Parameters params = new Parameters(cfg.parameterLayout());
    f.loadParameters(params);
    return new Contents(header, settings, new SequenceModel(cfg, params, Kernels.best()), f, path);
  }
}
