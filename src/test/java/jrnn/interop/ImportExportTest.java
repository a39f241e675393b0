package jrnn.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.cells.CellType;
import jrnn.layers.Bidirectional;
import jrnn.params.Init;
import jrnn.layers.RecurrentConfig;
import jrnn.models.ModelConfig;
import jrnn.models.OutputKind;
import jrnn.models.Readout;
import jrnn.models.SequenceModel;
import jrnn.params.ParamLayout;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights out and back in: every cell type, as a whole network, exported to safetensors and
 * imported without options gives the same parameters to the bit; a PyTorch module with names of
 * its own ({@code encoder}, {@code rnn}, {@code decoder}) imports with options and runs the
 * same in ONNX Runtime; models that cannot go somewhere say why.
 */
class ImportExportTest {
  @TempDir
  Path dir;

  @TestFactory
  List<DynamicTest> everyCellRoundTrips() {
    List<DynamicTest> tests = new ArrayList<>();
    for (CellType cell : CellType.all()) {
      for (Bidirectional merge : List.of(Bidirectional.CONCAT, Bidirectional.SUM)) {
        tests.add(DynamicTest.dynamicTest(cell.name() + ", " + merge.label(), () -> {
          ModelConfig cfg = new ModelConfig(13, 6, cell, 5, 2, merge, 0.25, Readout.MAX, 3,
              OutputKind.SOFTMAX, !(cell instanceof CellType.Gru) && cell.gates() == 4);
          SequenceModel m = new SequenceModel(cfg);
          m.initialize(new Rng(5), 0.3, 0);
          String name = cell.name() + "-" + merge.label();
          Path model = dir.resolve(name + ".jrnn");
          NetworkFiles.write(model, m);
          Path weights = dir.resolve(name + ".safetensors");
          String said = ModelExport.export(model, ModelExport.Format.SAFETENSORS, weights);
          Safetensors st = Safetensors.read(weights);
          // PyTorch's modules concatenate the directions: a summed stack's weights would fit none.
          boolean torch = jrnn.io.PyTorchWeights.hasCounterpart(cell) && merge == Bidirectional.CONCAT;
          assertEquals(torch ? "pytorch" : "jrnn", st.metadata().get(TorchStateDict.CONVENTION));
          assertTrue(said.contains(torch ? "PyTorch's names and layout" : merge == Bidirectional.SUM
              && jrnn.io.PyTorchWeights.hasCounterpart(cell) ? "this one sums them" : "PyTorch has no such cell"), said);
          Path back = dir.resolve(name + ".back.jrnn");
          TorchImport.importFile(weights, TorchImport.Options.fromFile(null), back);
          SequenceModel imported = NetworkFiles.readNetwork(back);
          assertEquals(cfg, imported.config(), "configuration, dropout too");
          // PyTorch's names carry one bias as bias_ih plus a zero bias_hh: their sum is exact.
          assertArrayEquals(m.parameters().values().toArray(), imported.parameters().values().toArray(), "parameters");
        }));
      }
    }
    return tests;
  }

  /** A PyTorch language model as word_language_model names it: encoder (embedding), rnn, decoder (linear). */
  @Test
  void aPyTorchModuleWithItsOwnNamesImportsAndRunsTheSameInOnnxRuntime() throws Exception {
    ModelConfig cfg = new ModelConfig(17, 6, CellType.parse("gru-reset-after"), 5, 2, Bidirectional.NONE, 0,
        Readout.EVERY_STEP, 17, OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(9), 0.4, 0);
    Map<String, Tensor> renamed = new LinkedHashMap<>();
    TorchStateDict.of(cfg, m.parameters()).forEach((name, t) -> renamed.put(name
        .replace("embedding.", "encoder.").replace("head.", "decoder."), t));
    Path weights = dir.resolve("torch.safetensors");
    Safetensors.write(weights, renamed, Map.of("format", "pt"));

    // Without options the file's one stack is found, but nothing says what encoder/decoder are.
    TorchImport.Imported bare = TorchImport.read(Safetensors.read(weights),
        TorchImport.Options.fromFile(CellType.parse("gru-reset-after")));
    assertTrue(bare instanceof TorchImport.ImportedStack, bare.describe());
    IllegalArgumentException noCell = assertThrows(IllegalArgumentException.class,
        () -> TorchImport.read(Safetensors.read(weights), TorchImport.Options.fromFile(null)));
    assertTrue(noCell.getMessage().contains("cell type is not recorded"), noCell.getMessage());
    IllegalArgumentException wrongCell = assertThrows(IllegalArgumentException.class,
        () -> TorchImport.read(Safetensors.read(weights), TorchImport.Options.fromFile(CellType.parse("lstm"))));
    assertTrue(wrongCell.getMessage().contains("rnn.weight_hh_l0") && wrongCell.getMessage().contains("is the cell right"),
        wrongCell.getMessage());

    // Imported bare, the file's encoder and decoder are said to be left out; named, nothing is.
    String bareLine = TorchImport.importFile(weights, TorchImport.Options.fromFile(CellType.parse("gru-reset-after")),
        dir.resolve("bare.jrnn"));
    assertTrue(bareLine.contains("left out of it: [encoder.weight, decoder.weight, decoder.bias]")
        && bareLine.contains("--embedding"), bareLine);
    Path model = dir.resolve("lm.jrnn");
    String whole = TorchImport.importFile(weights, new TorchImport.Options("rnn", CellType.parse("gru-reset-after"),
        "encoder", "decoder", Readout.EVERY_STEP, OutputKind.SOFTMAX, false), model);
    assertFalse(whole.contains("left out"), whole);
    SequenceModel imported = NetworkFiles.readNetwork(model);
    assertEquals(cfg, imported.config());
    assertArrayEquals(m.parameters().values().toArray(), imported.parameters().values().toArray());
    Path onnx = dir.resolve("lm.onnx");
    ModelExport.export(model, ModelExport.Format.ONNX, onnx);
    try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(Files.readAllBytes(onnx))) {
      assertEquals(List.of("tokens", "sequence_lens", "h0"), ort.inputNames());
    }
    OnnxExportTest.checkModel(imported, 4);
  }

  /**
   * What a state dict holds beyond the stack is said, not dropped: one bias of a module that has
   * biases is damage, not a zero; a layer past those counted, or a reverse direction's tensor in a
   * one-direction stack, belongs to no layer read; and a bare module's file with a head beside it
   * says the head was left out (its prefix "" had counted every tensor as the stack's).
   */
  @Test
  void tensorsTheStackDoesNotReadAreRefusedOrNamed() throws Exception {
    RecurrentConfig rnn = new RecurrentConfig(CellType.parse("lstm"), 3, 4, 2, Bidirectional.NONE, 0);
    NetworkFiles.Stack stack = NetworkFiles.Stack.zeros(rnn);
    Init.uniform(stack.parameters().values(), new Rng(3), 0.5);
    Map<String, Tensor> full = new LinkedHashMap<>(TorchStateDict.of(rnn, stack.parameters(), NetworkFiles.STACK_PREFIX,
        ""));

    Map<String, Tensor> noBias = new LinkedHashMap<>(full);
    noBias.remove("bias_hh_l1");
    Path damaged = dir.resolve("damaged.safetensors");
    Safetensors.write(damaged, noBias, Map.of("format", "pt"));
    Exception e = assertThrows(Exception.class, () -> TorchImport.read(Safetensors.read(damaged),
        TorchImport.Options.fromFile(CellType.parse("lstm"))));
    assertTrue(e.getMessage().contains("no tensor 'bias_hh_l1'") && e.getMessage().contains("bias=False"), e.getMessage());

    Map<String, Tensor> stray = new LinkedHashMap<>(full);
    stray.put("weight_ih_l3", full.get("weight_ih_l1"));
    Path strayFile = dir.resolve("stray.safetensors");
    Safetensors.write(strayFile, stray, Map.of("format", "pt"));
    e = assertThrows(IllegalArgumentException.class, () -> TorchImport.read(Safetensors.read(strayFile),
        TorchImport.Options.fromFile(CellType.parse("lstm"))));
    assertTrue(e.getMessage().contains("'weight_ih_l3' belongs to no layer") && e.getMessage().contains("2 layer(s)"),
        e.getMessage());

    Map<String, Tensor> withHead = new LinkedHashMap<>(full);
    withHead.put("fc.weight", Tensor.zeros(2, 4));
    withHead.put("fc.bias", Tensor.zeros(2));
    Path headFile = dir.resolve("head.safetensors");
    Safetensors.write(headFile, withHead, Map.of("format", "pt"));
    String line = TorchImport.importFile(headFile, new TorchImport.Options("", CellType.parse("lstm"), null, null,
        null, null, false), dir.resolve("head.jrnn"));
    assertTrue(line.contains("fc.weight, fc.bias"), line);
  }

  @Test
  void optionsThatContradictTheFilesRecordAreRefused() throws Exception {
    ModelConfig cfg = new ModelConfig(7, 4, CellType.parse("lstm"), 3, 1, Bidirectional.CONCAT, 0, Readout.LAST, 2,
        OutputKind.SOFTMAX);
    SequenceModel m = new SequenceModel(cfg);
    m.initialize(new Rng(2), 0.3, 0);
    Path model = dir.resolve("c.jrnn");
    NetworkFiles.write(model, m);
    Path weights = dir.resolve("c.safetensors");
    ModelExport.export(model, ModelExport.Format.SAFETENSORS, weights);
    Safetensors st = Safetensors.read(weights);
    IllegalArgumentException readout = assertThrows(IllegalArgumentException.class, () -> TorchImport.read(st,
        new TorchImport.Options(null, null, null, null, Readout.MEAN, null, false)));
    assertTrue(readout.getMessage().contains(st.where()) && readout.getMessage().contains("readout is last, not mean"),
        readout.getMessage());
    IllegalArgumentException cell = assertThrows(IllegalArgumentException.class,
        () -> TorchImport.read(st, TorchImport.Options.fromFile(CellType.parse("gru-reset-after"))));
    assertTrue(cell.getMessage().contains("cell is lstm, not gru-reset-after"), cell.getMessage());
    // Given options that agree with the record are fine.
    TorchImport.Imported ok = TorchImport.read(st, new TorchImport.Options("rnn.", CellType.parse("lstm"), "embedding",
        "head", Readout.LAST, OutputKind.SOFTMAX, false));
    assertEquals(cfg, ((TorchImport.ImportedNetwork) ok).model().config());
  }

  @Test
  void aTranslationModelExportsItsWeightsHereAndItsGraphsThroughTheTranslator() throws Exception {
    jrnn.frame.Settings s = jrnn.apps.translate.TranslateSettings.SCHEMA.defaults().with(Map.of("bpe_merges", "0",
        "embedding", "4", "hidden", "4", "decoder_hidden", "4"));
    Path model = dir.resolve("t.jrnn");
    jrnn.apps.translate.TranslationModel.create(s, List.of("a b c", "b c d"), List.of("c b a", "d c b")).save(model);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelExport.export(model, ModelExport.Format.ONNX, dir.resolve("t.onnx")));
    assertTrue(e.getMessage().contains("two graphs") && e.getMessage().contains("TranslationModel.exportOnnx"),
        e.getMessage());
    assertTrue(Files.notExists(dir.resolve("t.onnx")));
    Path weights = dir.resolve("t.safetensors");
    ModelExport.export(model, ModelExport.Format.SAFETENSORS, weights);
    Safetensors st = Safetensors.read(weights);
    ParamLayout layout = jrnn.io.ModelFile.read(model).storedLayout();
    assertEquals(layout.entries().stream().map(ParamLayout.Entry::name).toList(), List.copyOf(st.entries().keySet()));
    assertEquals("translate", st.metadata().get("jrnn.kind"));
  }
}
