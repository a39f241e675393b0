package jrnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jrnn.kernels.Activation;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * On any machine: every {@link CudaOps} operation launches its kernel with arguments of the kinds
 * the kernel's C signature in {@link CudaOps#SOURCE} declares, packed as the driver reads them.
 * A mismatch would not fail on the device: it would read the wrong bytes.
 */
class KernelArgumentsTest {
  /** One launch, its arguments read back as the kernel's signature says they are. */
  record Launch(String name, int grid, int threads, List<Object> values) {}

  private final List<Launch> launches = new ArrayList<>();
  private final CudaOps ops = new CudaOps((name, grid, threads, arguments) -> {
    String kinds = CudaOps.SIGNATURES.get(name);
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < kinds.length(); i++) {
      Pointer p = arguments.get(i);
      values.add(switch (kinds.charAt(i)) {
        case 'p', 'l' -> new LongPointer(p).get();
        case 'i' -> new IntPointer(p).get();
        default -> new FloatPointer(p).get();
      });
    }
    launches.add(new Launch(name, grid, threads, values));
  }, new DoublePointer(1));

  private static CudaOps.CudaFloats floats(int n) {
    return new CudaOps.CudaFloats(new FloatPointer(n), n);
  }

  private static CudaOps.CudaInts ints(int n) {
    return new CudaOps.CudaInts(new IntPointer(n), n);
  }

  @Test
  void theKernelsSignaturesAreRead() {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("gather_rows", "pipip");
    expected.put("sum_of_squares", "plp");
    expected.put("dropout_mask", "plfl");
    expected.put("softmax_xent", "piippppp");
    expected.put("pool_forward", "ipiiiippp");
    expected.put("pool_backward", "ipiiiippp");
    expected.put("rnn_forward", "iiii" + "pppppp" + "ii");
    expected.put("lstm_forward", "i" + "ppp" + "iii" + "p" + "pppppppp" + "ii");
    expected.put("gru_gates", "iipppp");
    expected.put("copy_rows", "pipiii");
    expected.put("smooth_labels", "piippf");
    expected.put("log_softmax", "pii");
    expected.put("top_of_rows", "piiipp");
    expected.put("attention_forward", "i" + "ppp" + "i" + "p" + "iii" + "pppp");
    expected.put("attention_backward", "i" + "pppp" + "i" + "p" + "iii" + "ppppp" + "p");
    expected.forEach((name, kinds) -> assertEquals(kinds, CudaOps.SIGNATURES.get(name), name));
    assertEquals(36, CudaOps.SIGNATURES.size(), CudaOps.SIGNATURES.toString());
  }

  @Test
  void everyOperationLaunchesItsKernelWithArgumentsOfItsKinds() {
    CudaOps.CudaFloats a = floats(64);
    CudaOps.CudaFloats b = floats(64);
    CudaOps.CudaFloats c = floats(64);
    CudaOps.CudaFloats d = floats(64);
    CudaOps.CudaInts ids = ints(8);
    CudaOps.CudaInts valid = ints(8);
    ops.gatherRows(a, 4, ids, 8, b);
    ops.scatterAddRows(a, 4, ids, 8, b);
    ops.addToRows(a, 8, 4, b);
    ops.addColumnSums(a, 8, 4, 0.5f, b);
    ops.dropoutMask(a, 64, 0.25f, 77L);
    ops.multiply(a, b, 64);
    ops.softmaxCrossEntropy(a, 8, 4, ids, valid, b, c, d);
    ops.addSquares(a, 64);
    ops.scale(a, 64, 3f);
    ops.clamp(a, 64, 1f);
    ops.axpy(a, -0.5f, b, null, 64);
    ops.axpy(a, -0.5f, b, c, 64);
    ops.momentumStep(a, b, c, 64, 0.1f, 0.9f, true);
    ops.adamStep(a, b, c, d, 64, 1e-3f, 0.9f, 0.999f, 1e-8f);
    ops.poolForward(2, a, 4, 2, 8, 4, ids, b, valid);
    ops.poolBackward(2, b, 4, 2, 8, 4, ids, valid, a);
    // The recurrent steps, on slices of the buffers as FusedCellStack passes them.
    Ops.Floats g = ops.slice(a, 8, 24);
    Ops.Step step = new Ops.Step(3, 2, 4, ids);
    ops.addColumnDots(a, 8, b, 4, 8, 4, c);
    ops.rnnForwardStep(Activation.SIGMOID, step, g, b, c, d, a, 8, true);
    ops.rnnBackwardStep(Activation.RELU, step, g, b, 8, c, d, a);
    ops.lstmForwardStep(false, null, b, c, step, g, b, c, d, a, b, c, d, 8, false);
    ops.lstmBackwardStep(true, null, null, null, step, g, b, c, d, 8, a, b, c, d);
    ops.gruGatesStep(step, g, b, c, d);
    ops.gruCandidateStep(step, g, b, c, d, a, 8, false);
    ops.gruCandidateBackwardStep(step, g, b, c, 8, d, a, b);
    ops.gruResetBackwardStep(step, g, b, c, d, a);
    ops.gruResetAfterForwardStep(step, g, b, c, d, a, b, c, 8, true);
    ops.gruResetAfterBackwardStep(step, g, b, c, d, 8, a, b, c, d);
    ops.launchCtc(a, 4, 2, 3, 0, ids, valid, ids, valid, 2, b, c);
    ops.adversarialPerturbation(a, 4, 2, 8, ids, 3f, b);
    ops.copyRows(ops.slice(a, 4, 60), 8, b, 4, 6, 4);
    ops.tanh(a, 64);
    ops.tanhBackward(a, b, 64);
    ops.smoothLabels(a, 8, 4, ids, valid, 0.1f);
    ops.logSoftmax(b, 6, 10);
    CudaOps.CudaInts chosen = ints(18);
    ops.topOfRows(b, 6, 10, 3, chosen, c);
    ops.attentionForward(false, null, a, null, 4, b, 4, 2, 4, ids, null, c, d);
    ops.attentionBackward(true, a, b, c, d, 3, a, 4, 2, 4, ids, b, c, d, a, b);

    Map<String, Launch> byName = new LinkedHashMap<>();
    launches.forEach(l -> byName.putIfAbsent(l.name(), l));
    assertEquals(CudaOps.SIGNATURES.keySet(), byName.keySet(), "every kernel launched");
    // Values arrive as the kernel reads them: pointers as addresses, each scalar at its width.
    assertEquals(List.of(a.p().address(), 4, ids.p().address(), 8, b.p().address()), byName.get("gather_rows").values());
    assertEquals(List.of(a.p().address(), 64L, 0.25f, 77L), byName.get("dropout_mask").values());
    assertEquals(List.of(a.p().address(), 64L, 3f), byName.get("scale").values());
    assertEquals(64L, byName.get("sum_of_squares").values().get(1));
    assertTrue((Long) byName.get("sum_of_squares").values().get(2) != 0L, "the sum's address");
    assertEquals(List.of(a.p().address(), -0.5f, b.p().address(), 0L, 64L), launches.get(10).values(),
        "a missing mask is a null pointer");
    assertEquals(c.p().address(), launches.get(11).values().get(3));
    assertEquals(1, byName.get("momentum_step").values().get(6), "Nesterov as an int");
    assertEquals(a.p().address() + 8 * 4, ((CudaOps.CudaFloats) g).p().address(), "a slice starts at its offset");
    assertEquals(List.of(1, 3, 2, 4, ids.p().address(), a.p().address() + 32, b.p().address(), c.p().address(),
        d.p().address(), a.p().address(), 8, 1), byName.get("rnn_forward").values(), "sigmoid is 1, the sum adds");
    assertEquals(2, byName.get("rnn_backward").values().get(0), "ReLU is 2");
    assertEquals(List.of(0, 0L, b.p().address(), c.p().address(), 3, 2, 4), byName.get("lstm_forward").values()
        .subList(0, 7), "missing peepholes are null pointers");
    assertEquals(List.of(1, 0L, 0L, 0L), byName.get("lstm_backward").values().subList(0, 4), "coupled, no peepholes");
    assertEquals(List.of(a.p().address(), 4, 2, 3, 0, ids.p().address(), valid.p().address(), ids.p().address(),
        valid.p().address(), 2, b.p().address(), c.p().address()), byName.get("ctc_loss").values());
    assertEquals(2, byName.get("ctc_loss").grid(), "one block per sequence");
    assertEquals(List.of(a.p().address(), 4, 2, 8, ids.p().address(), 3f, b.p().address()),
        byName.get("adversarial").values());
    assertEquals(List.of(a.p().address() + 16, 8, b.p().address(), 4, 6, 4), byName.get("copy_rows").values());
    assertEquals(List.of(a.p().address(), 8, 4, ids.p().address(), valid.p().address(), 0.1f),
        byName.get("smooth_labels").values());
    assertEquals(List.of(0, 0L, a.p().address(), 0L, 4, b.p().address(), 4, 2, 4, ids.p().address(), 0L,
        c.p().address(), d.p().address()), byName.get("attention_forward").values(),
        "multiplicative: no keys, vector or hidden (null pointers)");
    assertEquals(2, byName.get("attention_forward").grid(), "one block per sequence");
    assertEquals(List.of(b.p().address(), 6, 10), byName.get("log_softmax").values());
    assertEquals(6, byName.get("log_softmax").grid(), "one block per row");
    assertEquals(List.of(b.p().address(), 6, 10, 3, chosen.p().address(), c.p().address()),
        byName.get("top_of_rows").values());
    assertThrows(IllegalArgumentException.class, () -> ops.topOfRows(b, 6, 10, 3, ids, c), "18 chosen into 8 ints");
    assertEquals(6, byName.get("top_of_rows").grid(), "one block per row");
    assertEquals(List.of(1, a.p().address(), b.p().address(), c.p().address(), d.p().address(), 3),
        byName.get("attention_backward").values().subList(0, 6));
    // One block per row of the softmax.
    assertEquals(8, byName.get("softmax_xent").grid());
    // An inference pass's loss: no gradient, a null pointer.
    ops.softmaxCrossEntropy(a, 8, 4, ids, valid, b, c, null);
    assertEquals(List.of(a.p().address(), 8, 4, ids.p().address(), valid.p().address(), b.p().address(),
        c.p().address(), 0L), launches.get(launches.size() - 1).values());
  }

  /**
   * Launches from many threads at once (a library's callers, each with passes of its own, share
   * the backend's CudaOps): each kernel gets its own call's arguments, never a mix of two calls'.
   */
  @Test
  void launchesFromManyThreadsKeepTheirArgumentsApart() throws Exception {
    int threads = 4;
    int each = 500;
    CudaOps.CudaFloats[] buffers = new CudaOps.CudaFloats[threads];
    for (int k = 0; k < threads; k++) {
      buffers[k] = floats(8);
    }
    List<Thread> running = new ArrayList<>();
    for (int k = 0; k < threads; k++) {
      int id = k;
      Thread t = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          ops.scale(buffers[id], 1000L * id + i, id + 0.5f);
        }
      });
      running.add(t);
    }
    synchronized (launches) {
      launches.clear();
    }
    running.forEach(Thread::start);
    for (Thread t : running) {
      t.join();
    }
    assertEquals(threads * each, launches.size(), "every launch recorded");
    for (Launch l : launches) {
      long address = (Long) l.values().get(0);
      long n = (Long) l.values().get(1);
      float s = (Float) l.values().get(2);
      int id = (int) (n / 1000);
      assertEquals(buffers[id].p().address(), address, "the buffer of the call that launched " + n);
      assertEquals(id + 0.5f, s, "the scale of the call that launched " + n);
    }
  }

  @Test
  void anArgumentOfAnotherKindIsRefusedWithItsPlace() {
    CudaOps.CudaFloats a = floats(4);
    LongPointer slots = new LongPointer(8);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaOps.pack(slots, "scale", a, 4, 2f));
    assertEquals("kernel scale: argument 1 (Integer) does not fit its parameter, a long long", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> CudaOps.pack(slots, "scale", a, 4L));
    assertEquals("kernel scale takes 3 arguments, given 2", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> CudaOps.pack(slots, "scale", a, 4L, 2.0));
    assertEquals("kernel scale: argument 2 (Double) does not fit its parameter, a float", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CudaOps.pack(slots, "no_such_kernel"));
  }

  /** A buffer freed since it was handed out is refused, not launched as address 0. */
  @Test
  void aFreedBufferIsRefusedWithItsPlace() {
    LongPointer slots = new LongPointer(8);
    CudaOps.CudaFloats freed = new CudaOps.CudaFloats(new org.bytedeco.javacpp.FloatPointer(), 4);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> CudaOps.pack(slots, "scale", freed, 4L, 2f));
    assertEquals("kernel scale: argument 0 is a buffer whose device memory was freed", e.getMessage());
    CudaOps.CudaInts freedInts = new CudaOps.CudaInts(new org.bytedeco.javacpp.IntPointer(), 4);
    assertThrows(IllegalStateException.class, () -> CudaOps.pack(slots, "gather_rows", floats(4), 2, freedInts, 2,
        floats(4)));
  }

  @Test
  void aSignatureWithATypeOfNoKnownKindIsRefused() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> CudaOps.signatures("extern \"C\" __global__ void f(float* a, double s) {}"));
    assertEquals("kernel f: no argument kind for a double", e.getMessage());
    assertEquals(Map.of("g", "pil"), CudaOps.signatures("extern \"C\" __global__ void g(const float* a, int n,\n"
        + "    unsigned long long seed) {}"));
  }
}
