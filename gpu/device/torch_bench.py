"""The bench cases in PyTorch's cuDNN RNNs, timed as jrnn's bench --device gpu times them.

Arguments: cases "NAME CELL T B X H" (cell lstm, gru or tanh). For each case and each math mode
(default: cuDNN may use TF32 tensor cores, PyTorch's default; fp32: no TF32 in cuDNN's RNNs), prints
"torch NAME MODE MS": the median of 50 training steps (forward, then backward of a random
output gradient, giving the input's and every weight's gradients), each waited for.
"""
import sys
import time

import torch


def allow_tf32_in_rnns(tf32):
    """cuDNN's RNNs on TF32 or not: PyTorch 2.9's per-operator setting where it has one (its old
    flag is deprecated there, and the two may not be mixed), else the old flag."""
    rnn = getattr(torch.backends.cudnn, "rnn", None)
    if rnn is not None and hasattr(rnn, "fp32_precision"):
        rnn.fp32_precision = "tf32" if tf32 else "ieee"
    else:
        torch.backends.cudnn.allow_tf32 = tf32


def median_step_ms(cell, steps, batch, inp, hidden, tf32):
    allow_tf32_in_rnns(tf32)
    make = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "tanh": torch.nn.RNN}[cell]
    layer = make(inp, hidden).cuda()
    x = torch.randn(steps, batch, inp, device="cuda", requires_grad=True)
    dy = torch.randn(steps, batch, hidden, device="cuda")

    def step():
        y, _ = layer(x)
        y.backward(dy)

    for _ in range(20):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2]


def main(cases):
    print("torch", torch.__version__, "cuDNN", torch.backends.cudnn.version(), torch.cuda.get_device_name(0))
    for mode in ("default", "fp32"):
        for case in cases:
            name, cell, steps, batch, inp, hidden = case.split()
            ms = median_step_ms(cell, int(steps), int(batch), int(inp), int(hidden), mode == "default")
            print("torch %s %s %.3f" % (name, mode, ms))


if __name__ == "__main__":
    main(sys.argv[1:])
