package jrnn.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import jrnn.data.Vocabulary;
import jrnn.kernels.Kernels;
import jrnn.models.ModelConfig;
import jrnn.models.SequenceModel;
import jrnn.params.Parameters;

/**
 * The model file of an application built on a {@link SequenceModel} over a vocabulary: which
 * application it is, the model configuration and the application's settings (section
 * {@code meta}), the vocabulary and the parameters.
 */
public final class TokenModelFile {
  private TokenModelFile() {}

  /** What a file holds, read and checked. */
  public record Contents<S>(S settings, Vocabulary vocabulary, SequenceModel model, ModelFile file) {}

  public static ModelFile of(String app, SequenceModel model, Map<String, String> settings, Vocabulary vocab) {
    Map<String, String> meta = new TreeMap<>(ConfigProperties.of(model.config()));
    meta.putAll(settings);
    meta.put("app", app);
    return new ModelFile().putProperties("meta", meta).putText("vocab", vocab.toText())
        .putParameters(model.parameters());
  }

  /**
   * Reads an application's model from {@code f} (read from {@code path}), refusing another
   * application's file; {@code settings} parses the application's settings from the meta section.
   */
  public static <S> Contents<S> read(ModelFile f, Path path, String app, String appName,
      Function<Map<String, String>, S> settings) throws IOException {
    Map<String, String> meta = f.getProperties("meta");
    if (!app.equals(meta.get("app"))) {
      throw new ModelFileException("model file " + path + " holds a '" + meta.get("app")
          + "' model, not a " + appName);
    }
    ModelConfig cfg = ConfigProperties.read(meta);
    S s;
    try {
      s = settings.apply(meta);
    } catch (RuntimeException e) {
      throw new ModelFileException("model file " + path + " has invalid " + appName + " settings: " + e.getMessage());
    }
    Vocabulary vocab = Vocabulary.fromText(f.getText("vocab"));
    if (vocab.size() != cfg.vocabSize()) {
      throw new ModelFileException("model file " + path + " has " + vocab.size()
          + " vocabulary entries, its configuration says " + cfg.vocabSize());
    }
    Parameters params = new Parameters(cfg.parameterLayout());
    f.loadParameters(params);
    return new Contents<>(s, vocab, new SequenceModel(cfg, params, Kernels.best()), f);
  }
}
