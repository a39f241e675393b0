package jrnn.bench;

import java.util.concurrent.TimeUnit;
import jrnn.cells.CellType;
import jrnn.cells.RecurrentCell;
import jrnn.kernels.Kernels;
import jrnn.layers.Bidirectional;
import jrnn.layers.RecurrentConfig;
import jrnn.params.Init;
import jrnn.params.ParamLayout;
import jrnn.params.Parameters;
import jrnn.tensor.Tensor;
import jrnn.util.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One time step of each cell, forward and backward, on one thread: the recurrent product and
 * the gate math together, for a batch of 32 and 512 units. Run with bin/jrnn-jmh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class CellStepBenchmarks {
  @Param({"rnn-tanh", "lstm", "lstm-peephole-cifg", "gru", "gru-reset-after"})
  public String cell;

  static final int B = 32;
  static final int H = 512;
  RecurrentCell c;

  @Setup
  public void setup() {
    CellType type = CellType.parse(cell);
    RecurrentConfig cfg = new RecurrentConfig(type, H, H, 1, Bidirectional.NONE, 0);
    ParamLayout.Builder b = ParamLayout.builder();
    cfg.declareParameters(b, "rnn.");
    Parameters p = new Parameters(b.build());
    Init.uniform(p.values(), new Rng(1), 0.04);
    c = RecurrentCell.create(type, H, H, p, "rnn.", 0, 0, Kernels.best());
    c.prepare(2, B);
    Tensor x = Tensor.zeros(2, B, H).fill(0.1f);
    c.projectInputs(x, 0, H);
    c.beginForward();
    c.forwardStep(0, 1, 0, 0, B);
    c.beginBackward();
    c.dh().fill(0.01f);
  }

  @Benchmark
  public void forwardStep() {
    c.forwardStep(1, 2, 1, 0, B);
  }

  @Benchmark
  public void backwardStep() {
    c.backwardStep(1, 2, 1, 0, B);
  }
}
