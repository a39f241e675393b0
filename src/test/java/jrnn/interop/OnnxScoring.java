package jrnn.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jrnn.apps.lm.LanguageModel;
import jrnn.apps.sentiment.Example;
import jrnn.apps.sentiment.SentimentData;
import jrnn.apps.sentiment.SentimentModel;
import jrnn.data.Batch;
import jrnn.data.TextFiles;
import jrnn.data.TokenStream;
import jrnn.layers.RecurrentConfig;
import jrnn.models.ModelConfig;
import jrnn.tensor.Tensor;

/**
 * Scores the validation data with an exported model in ONNX Runtime, batched as {@code jrnn eval}
 * batches it (jrnn prepares the token ids and lengths; the runtime computes everything from the
 * embedding to the softmax): a language model's loss per token with the state carried across
 * windows, a classifier's P(positive) per sentence. As a program it compares the two on real
 * model files:
 *
 * <pre>
 * java -cp ... jrnn.interop.OnnxScoring lm MODEL.jrnn VALID.txt.gz
 * java -cp ... jrnn.interop.OnnxScoring sentiment MODEL.jrnn DEV.gz
 * </pre>
 */
final class OnnxScoring {
  private OnnxScoring() {}

  /** The mean loss per predicted token (nats) of the exported language model on {@code ids}. */
  static double languageModelLoss(OnnxRuntimeRunner ort, ModelConfig cfg, int[] ids) throws Exception {
    int batch = LanguageModel.evaluationBatch(ids.length);
    RecurrentConfig rc = cfg.recurrent();
    int h = rc.hiddenSize();
    float[] hState = new float[rc.stateSlots() * batch * h];
    float[] cState = rc.cell().hasCellState() ? new float[hState.length] : null;
    double loss = 0;
    long count = 0;
    int k = cfg.outputSize();
    for (Batch b : new TokenStream(ids).batches(batch, LanguageModel.EVAL_STEPS)) {
      long[] tokens = new long[b.tokens().length];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = b.tokens()[i];
      }
      OnnxRuntimeRunner.Inputs in = new OnnxRuntimeRunner.Inputs().put("tokens", tokens, b.steps(), batch)
          .put("sequence_lens", b.lengths(), batch).put("h0", hState, rc.stateSlots(), batch, h);
      if (cState != null) {
        in.put("c0", cState, rc.stateSlots(), batch, h);
      }
      Map<String, float[]> out = ort.run(in);
      float[] logits = out.get("logits");
      for (int r = 0; r < b.steps() * batch; r++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
          max = Math.max(max, logits[r * k + j]);
        }
        double z = 0;
        for (int j = 0; j < k; j++) {
          z += Math.exp(logits[r * k + j] - max);
        }
        loss += max + Math.log(z) - logits[r * k + b.targets()[r]];
        count++;
      }
      hState = out.get("hn");
      cState = cState == null ? null : out.get("cn");
    }
    return loss / count;
  }

  /** P(positive) of each example from the exported classifier, in jrnn eval's batches. */
  static double[] positives(OnnxRuntimeRunner ort, SentimentModel model, List<Example> examples, int batchSize)
      throws Exception {
    ModelConfig cfg = model.model().config();
    RecurrentConfig rc = cfg.recurrent();
    int k = cfg.outputSize();
    double[] p = new double[examples.size()];
    for (int i = 0; i < examples.size(); i += batchSize) {
      List<Example> part = examples.subList(i, Math.min(examples.size(), i + batchSize));
      Batch b = model.batch(part, false);
      long[] tokens = new long[b.tokens().length];
      for (int j = 0; j < tokens.length; j++) {
        tokens[j] = b.tokens()[j];
      }
      OnnxRuntimeRunner.Inputs in = new OnnxRuntimeRunner.Inputs().put("tokens", tokens, b.steps(), b.size())
          .put("sequence_lens", b.lengths(), b.size())
          .put("h0", new float[rc.stateSlots() * b.size() * rc.hiddenSize()], rc.stateSlots(), b.size(), rc.hiddenSize());
      if (rc.cell().hasCellState()) {
        in.put("c0", new float[rc.stateSlots() * b.size() * rc.hiddenSize()], rc.stateSlots(), b.size(), rc.hiddenSize());
      }
      Tensor logits = Tensor.of(ort.run(in).get("logits"), b.size(), k);
      for (int j = 0; j < part.size(); j++) {
        p[i + j] = SentimentModel.polarity(logits, j * k, k);
      }
    }
    return p;
  }

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[1]);
    Path data = Path.of(args[2]);
    Path onnx = Files.createTempFile("jrnn", ".onnx");
    System.out.println(ModelExport.export(model, ModelExport.Format.ONNX, onnx));
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(Files.readAllBytes(onnx))) {
      if (args[0].equals("lm")) {
        LanguageModel lm = LanguageModel.load(model);
        int[] ids = lm.encode(lm.tokenize(TextFiles.read(data)));
        long t0 = System.nanoTime();
        jrnn.models.LossStats ours = lm.evaluate(ids, LanguageModel.EVAL_STEPS);
        double jrnn = ours.mean();
        long t1 = System.nanoTime();
        double onnxLoss = languageModelLoss(ort, lm.model().config(), ids);
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "%,d predicted tokens; jrnn eval: loss %.6f, %s (%.1f s); ONNX Runtime: loss %.6f, %s"
            + " (%.1f s, with the log-softmax over the vocabulary in Java); relative difference of the perplexities"
            + " %.2e%n", ours.count(), jrnn, lm.figure(jrnn),
            (t1 - t0) / 1e9, onnxLoss, lm.figure(onnxLoss), (t2 - t1) / 1e9, Math.abs(Math.expm1(onnxLoss - jrnn)));
      } else {
        SentimentModel m = SentimentModel.load(model);
        List<Example> examples = SentimentData.sentences(data);
        long t0 = System.nanoTime();
        double[] ours = m.positives(examples, 200);
        long t1 = System.nanoTime();
        double[] theirs = positives(ort, m, examples, 200);
        long t2 = System.nanoTime();
        double worst = 0;
        for (int i = 0; i < ours.length; i++) {
          worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
        }
        System.out.printf(Locale.ROOT, "%,d sentences; jrnn eval: accuracy %.4f (%.1f s); ONNX Runtime: accuracy %.4f"
            + " (%.1f s); largest difference in P(positive) %.2e%n", examples.size(),
            SentimentModel.accuracy(ours, examples), (t1 - t0) / 1e9, SentimentModel.accuracy(theirs, examples),
            (t2 - t1) / 1e9, worst);
      }
    } finally {
      Files.deleteIfExists(onnx);
    }
  }
}
