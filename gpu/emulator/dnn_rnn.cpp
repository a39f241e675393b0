// cuDNN's RNN API (libcudnn_adv.so.9) on the host, written from cuDNN 9's API reference rather
// than from jrnn's stacks: the cells of cudnnRNNMode_t (ReLU and tanh RNN, LSTM with gates
// i, f, g, o, GRU with gates r, z, n and the reset applied to the recurrent product and its
// bias), two bias vectors, linear input, one or two directions (the backward one starting at each
// sequence's last step, pseudo-layer = layer * directions + direction), a stack of layers with
// dropout on the input of each layer above the first in training, sequence-major unpacked data
// with per-sequence lengths (CUDNN_RNN_PADDED_IO_ENABLED), padding in y filled from yDesc's fill.
//
// The weight space's layout is the emulator's own, as cuDNN's is its own: callers find each
// block through cudnnGetRNNWeightParams. Per pseudo-layer, the 2G matrices (rows x columns, row
// major: the input ones then the recurrent ones), then the 2G bias vectors, then padding to a
// multiple of 64 floats that no block covers.
//
// It checks what cuDNN's reference asks of a caller and refuses otherwise, saying why on
// standard error: descriptors made and set, the same data shape in x, y and the lengths on the
// device, the state tensors' shapes, every buffer live device memory as large as the shapes make
// it, spaces at least as large as asked for, a training forward's reserve for the backward calls
// and the data pass on it before the weights pass (the reserve carries the gates' gradients from
// one to the other, as cuDNN's does), and y as the forward left it. The workspace is scratch:
// each call leaves it NaN. Past a sequence's end, y and dx get their descriptor's padding fill,
// and NaN where none was given (the reference promises the fill for an RNN's output alone).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <tuple>
#include <vector>

#include "dnn.h"

using namespace jrnn_dnn;

namespace {
constexpr int RELU = 0, TANH = 1, LSTM = 2, GRU = 3;
constexpr int DOUBLE_BIAS = 2;
constexpr int BIDIRECTIONAL = 1;
constexpr int LINEAR_INPUT = 0;
constexpr int SEQ_MAJOR_UNPACKED = 0;
constexpr unsigned PADDED_IO_ENABLED = 1;
constexpr int FWD_INFERENCE = 0, FWD_TRAINING = 1;
constexpr int WGRAD_ADD = 0;
constexpr size_t ALIGN = 64;  // floats
constexpr size_t HEADER = 16;  // floats at the start of a forward's space (a training reserve's header; unused in inference)
constexpr uint32_t RESERVE = 0x52535256;  // a training forward's reserve space
constexpr uint32_t BACKWARD_DATA = 0x42574444;  // a reserve cudnnRNNBackwardData_v8 has left gradients in

struct RnnDesc {
  uint32_t tag = RNN;
  bool set = false;
  int cell = 0, directions = 1, input = 0, hidden = 0, layers = 0;
  unsigned aux = 0;
  /** The dropout descriptor's rate and states as they were when this was set (the generator's state is in the states). */
  float rate = 0;
  void* states = nullptr;
};

struct DataDesc {
  uint32_t tag = RNN_DATA;
  bool set = false;
  int layout = 0, steps = 0, batch = 0, vector = 0;
  std::vector<int> lengths;
  bool has_fill = false;
  float fill = 0;
};

std::mutex calls;

RnnDesc* rnn(void* d) {
  auto* r = static_cast<RnnDesc*>(d);
  return r != nullptr && r->tag == RNN && r->set ? r : nullptr;
}
DataDesc* data(void* d) {
  auto* r = static_cast<DataDesc*>(d);
  return r != nullptr && r->tag == RNN_DATA && r->set ? r : nullptr;
}

int gates(const RnnDesc& r) { return r.cell == LSTM ? 4 : r.cell == GRU ? 3 : 1; }
int layer_input(const RnnDesc& r, int l) { return l == 0 ? r.input : r.hidden * r.directions; }
size_t aligned(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

/** Where pseudo-layer p's matrix (bias false) or bias vector of linear layer lin starts, in floats. */
size_t block(const RnnDesc& r, int p, int lin, bool bias) {
  int g = gates(r);
  size_t at = 0;
  for (int q = 0; q <= p; q++) {
    int in = layer_input(r, q / r.directions);
    size_t matrices = static_cast<size_t>(g) * r.hidden * (in + r.hidden);
    if (q == p) {
      if (!bias) {
        return at + (lin < g ? static_cast<size_t>(lin) * r.hidden * in
                             : static_cast<size_t>(g) * r.hidden * in + static_cast<size_t>(lin - g) * r.hidden * r.hidden);
      }
      return at + matrices + static_cast<size_t>(lin) * r.hidden;
    }
    at += aligned(matrices + 2 * static_cast<size_t>(g) * r.hidden);
  }
  return at;
}

size_t weight_floats(const RnnDesc& r) { return block(r, r.layers * r.directions, 0, false); }

/**
 * Where a pass keeps what it needs, in floats. In the forward's space (the reserve in training,
 * the workspace in inference), after a header: per layer its output (steps x batch x directions
 * * hidden) and the dropout mask on its input (above the first); per pseudo-layer the gates'
 * activations and one more vector per step (the LSTM's cell, the GRU's recurrent product for n);
 * then, in the reserve alone, the gradients of the gates' pre-activations, which
 * cudnnRNNBackwardData_v8 leaves there for cudnnRNNBackwardWeights_v8 (cuDNN's reserve is an
 * output of the data pass; its workspace carries nothing from one call to the next). A training
 * pass's workspace is scratch: the gradients of a layer's input and output.
 */
struct Plan {
  std::vector<size_t> out, mask, act, extra, dpre, dextra;
  size_t din = 0, dout = 0;
  size_t forward_floats = 0, reserve_floats = 0, scratch_floats = 0;

  Plan(const RnnDesc& r, int steps, int batch) {
    size_t tb = static_cast<size_t>(steps) * batch;
    size_t width = static_cast<size_t>(r.hidden) * r.directions;
    size_t at = HEADER;
    for (int l = 0; l < r.layers; l++) {
      out.push_back(at);
      at += tb * width;
      mask.push_back(at);
      at += l == 0 ? 0 : tb * width;
      for (int d = 0; d < r.directions; d++) {
        act.push_back(at);
        at += tb * gates(r) * r.hidden;
        extra.push_back(at);
        at += tb * r.hidden;
      }
    }
    forward_floats = at;
    for (int p = 0; p < r.layers * r.directions; p++) {
      dpre.push_back(at);
      at += tb * gates(r) * r.hidden;
      dextra.push_back(at);
      at += tb * r.hidden;
    }
    reserve_floats = at;
    size_t widest = std::max(static_cast<size_t>(r.input), width);
    din = 0;
    dout = tb * widest;
    scratch_floats = 2 * tb * widest;
  }

  /** What cudnnGetRNNTempSpaceSizes gives, in bytes. */
  size_t work_bytes(bool training) const { return 4 * (training ? scratch_floats : forward_floats); }
  size_t reserve_bytes(bool training) const { return training ? 4 * reserve_floats : 0; }
};

float sigmoid(double a) { return static_cast<float>(1 / (1 + std::exp(-a))); }

/** The checks every pass makes of its descriptors, x's and y's shapes, the lengths and the states' tensors. */
int check_pass(const char* call, void* handle, RnnDesc* r, DataDesc* x, DataDesc* y, const int* dev_lengths,
               void* h_desc, void* c_desc, size_t weight_bytes) {
  if (handle == nullptr) {
    return refuse(BAD_PARAM, call, "a null handle");
  }
  if (r == nullptr) {
    return refuse(BAD_PARAM, call, "the RNN descriptor is not one made and set");
  }
  if (x == nullptr || y == nullptr) {
    return refuse(BAD_PARAM, call, "xDesc or yDesc is not an RNN data descriptor made and set");
  }
  if (x->layout != SEQ_MAJOR_UNPACKED || y->layout != SEQ_MAJOR_UNPACKED) {
    return refuse(NOT_SUPPORTED, call, "layouts %d and %d: the emulator runs the sequence-major unpacked one", x->layout,
                  y->layout);
  }
  if (!(r->aux & PADDED_IO_ENABLED)) {
    return refuse(BAD_PARAM, call, "an unpacked layout needs CUDNN_RNN_PADDED_IO_ENABLED in the RNN descriptor");
  }
  if (x->steps != y->steps || x->batch != y->batch || x->lengths != y->lengths) {
    return refuse(BAD_PARAM, call, "x (%d steps, batch %d) and y (%d steps, batch %d) differ, or their lengths do",
                  x->steps, x->batch, y->steps, y->batch);
  }
  if (x->vector != r->input || y->vector != r->hidden * r->directions) {
    return refuse(BAD_PARAM, call, "x's vectors of %d and y's of %d; the RNN takes %d and gives %d", x->vector, y->vector,
                  r->input, r->hidden * r->directions);
  }
  int status = device(call, "devSeqLengths", dev_lengths, sizeof(int) * x->batch);
  if (status != SUCCESS) {
    return status;
  }
  for (int b = 0; b < x->batch; b++) {
    if (dev_lengths[b] != x->lengths[b]) {
      return refuse(BAD_PARAM, call, "devSeqLengths[%d] is %d; the data descriptors say %d", b, dev_lengths[b],
                    x->lengths[b]);
    }
  }
  int expected[3] = {r->layers * r->directions, x->batch, r->hidden};
  for (void* desc : {h_desc, r->cell == LSTM ? c_desc : h_desc}) {
    auto* t = static_cast<TensorDesc*>(desc);
    if (t == nullptr || t->tag != TENSOR || t->dims_count != 3) {
      return refuse(BAD_PARAM, call, "hDesc or cDesc is not a 3-dimensional tensor descriptor");
    }
    for (int i = 0; i < 3; i++) {
      int stride = i == 0 ? expected[1] * expected[2] : i == 1 ? expected[2] : 1;
      if (t->dims[i] != expected[i] || t->strides[i] != stride) {
        return refuse(BAD_PARAM, call, "a state tensor's dimension %d is %d (stride %d); the RNN's is %d (stride %d)", i,
                      t->dims[i], t->strides[i], expected[i], stride);
      }
    }
  }
  if (weight_bytes < 4 * weight_floats(*r)) {
    return refuse(BAD_PARAM, call, "a weight space of %zu bytes; cudnnGetRNNWeightSpaceSize says %zu", weight_bytes,
                  4 * weight_floats(*r));
  }
  return SUCCESS;
}

/** The device buffers of a pass, each checked to be device memory of the size the shapes give; null ones skipped. */
int buffers(const char* call, std::initializer_list<std::tuple<const char*, const void*, size_t>> wanted) {
  for (auto [what, p, bytes] : wanted) {
    if (p != nullptr) {
      int status = device(call, what, p, bytes);
      if (status != SUCCESS) {
        return status;
      }
    }
  }
  return SUCCESS;
}

/** The recurrent pass: what the gates' products and a pass's state are, and their gradients. */
struct Pass {
  const RnnDesc& r;
  const DataDesc& shape;
  const float* w;
  float* space;  // the forward's: the reserve in training, else the workspace
  const Plan plan;
  int g, h, width;

  Pass(const RnnDesc& r, const DataDesc& shape, const float* w, float* space)
      : r(r), shape(shape), w(w), space(space), plan(r, shape.steps, shape.batch), g(gates(r)), h(r.hidden),
        width(r.hidden * r.directions) {}

  size_t row(int t, int b) const { return static_cast<size_t>(t) * shape.batch + b; }
  const float* matrix(int p, int lin) const { return w + block(r, p, lin, false); }
  const float* bias(int p, int lin) const { return w + block(r, p, lin, true); }

  /** Layer l's input at step t, sequence b, element k: x, or the layer below's output through its dropout mask. */
  float input(int l, const float* x, int t, int b, int k) const {
    if (l == 0) {
      return x[row(t, b) * r.input + k];
    }
    size_t i = row(t, b) * width + k;
    return space[plan.out[l - 1] + i] * space[plan.mask[l] + i];
  }

  /** The step before t in direction d's order, or -1 at the sequence's first step. */
  int before(int d, int t, int length) const { return d == 0 ? t - 1 : (t + 1 < length ? t + 1 : -1); }

  /** The state h (c: the LSTM's cell) direction p had before step t: from the step before, or the initial state. */
  float previous(int l, int d, int t, int b, int k, const float* initial, bool cell) const {
    int p = l * r.directions + d;
    int s = before(d, t, shape.lengths[b]);
    if (s < 0) {
      return initial == nullptr ? 0 : initial[(static_cast<size_t>(p) * shape.batch + b) * h + k];
    }
    return cell ? space[plan.extra[p] + row(s, b) * h + k] : space[plan.out[l] + row(s, b) * width + d * h + k];
  }

  void forward(const float* x, const float* hx, const float* cx, float* hy, float* cy, bool training) {
    draw_masks(training);
    for (int l = 0; l < r.layers; l++) {
      int in = layer_input(r, l);
      std::memset(space + plan.out[l], 0, sizeof(float) * row(shape.steps, 0) * width);
      for (int d = 0; d < r.directions; d++) {
        int p = l * r.directions + d;
        for (int s = 0; s < shape.steps; s++) {
          int t = d == 0 ? s : shape.steps - 1 - s;
          for (int b = 0; b < shape.batch; b++) {
            if (t >= shape.lengths[b]) {
              continue;
            }
            float* act = space + plan.act[p] + row(t, b) * g * h;
            float* extra = space + plan.extra[p] + row(t, b) * h;
            std::vector<double> wx(static_cast<size_t>(g) * h), rh(static_cast<size_t>(g) * h);
            for (int q = 0; q < g; q++) {
              const float* wq = matrix(p, q);
              const float* rq = matrix(p, g + q);
              for (int j = 0; j < h; j++) {
                double a = bias(p, q)[j], c = bias(p, g + q)[j];
                for (int k = 0; k < in; k++) {
                  a += static_cast<double>(wq[static_cast<size_t>(j) * in + k]) * input(l, x, t, b, k);
                }
                for (int k = 0; k < h; k++) {
                  c += static_cast<double>(rq[static_cast<size_t>(j) * h + k]) * previous(l, d, t, b, k, hx, false);
                }
                wx[static_cast<size_t>(q) * h + j] = a;
                rh[static_cast<size_t>(q) * h + j] = c;
              }
            }
            float* out = space + plan.out[l] + row(t, b) * width + d * h;
            for (int j = 0; j < h; j++) {
              float next;
              if (r.cell == LSTM) {
                float i = sigmoid(wx[j] + rh[j]), f = sigmoid(wx[h + j] + rh[h + j]);
                float gg = static_cast<float>(std::tanh(wx[2 * h + j] + rh[2 * h + j]));
                float o = sigmoid(wx[3 * h + j] + rh[3 * h + j]);
                float c = f * previous(l, d, t, b, j, cx, true) + i * gg;
                act[j] = i, act[h + j] = f, act[2 * h + j] = gg, act[3 * h + j] = o;
                extra[j] = c;
                next = o * std::tanh(c);
              } else if (r.cell == GRU) {
                float rr = sigmoid(wx[j] + rh[j]), z = sigmoid(wx[h + j] + rh[h + j]);
                float n = static_cast<float>(std::tanh(wx[2 * h + j] + rr * rh[2 * h + j]));
                act[j] = rr, act[h + j] = z, act[2 * h + j] = n;
                extra[j] = static_cast<float>(rh[2 * h + j]);
                next = (1 - z) * n + z * previous(l, d, t, b, j, hx, false);
              } else {
                double a = wx[j] + rh[j];
                next = static_cast<float>(r.cell == TANH ? std::tanh(a) : a > 0 ? a : 0);
                act[j] = next;
              }
              out[j] = next;
            }
          }
        }
        // The final states: each sequence's last step in this direction's order.
        for (int b = 0; b < shape.batch; b++) {
          int last = d == 0 ? shape.lengths[b] - 1 : 0;
          for (int j = 0; j < h; j++) {
            size_t at = (static_cast<size_t>(p) * shape.batch + b) * h + j;
            if (shape.lengths[b] == 0) {
              if (hy) hy[at] = hx ? hx[at] : 0;
              if (cy && r.cell == LSTM) cy[at] = cx ? cx[at] : 0;
              continue;
            }
            if (hy) hy[at] = space[plan.out[l] + row(last, b) * width + d * h + j];
            if (cy && r.cell == LSTM) cy[at] = space[plan.extra[p] + row(last, b) * h + j];
          }
        }
      }
    }
  }

  /**
   * The masks on the input of each layer above the first: in training, dropout's, from the
   * generator in the states (which advances); else ones.
   */
  void draw_masks(bool training) {
    size_t n = row(shape.steps, 0) * width;
    for (int l = 1; l < r.layers; l++) {
      float* mask = space + plan.mask[l];
      if (!training || r.rate == 0) {
        for (size_t i = 0; i < n; i++) mask[i] = 1;
        continue;
      }
      auto* state = static_cast<DropoutState*>(r.states);
      for (size_t i = 0; i < n; i++) {
        mask[i] = uniform(state->seed, state->drawn + i) < r.rate ? 0 : 1 / (1 - r.rate);
      }
      state->drawn += n;
    }
  }

  /**
   * cudnnRNNBackwardData_v8: from the top layer down, each direction against its order, the
   * gradients of the gates' pre-activations (kept in the reserve), of the initial states and
   * of each layer's input; dy and dhy/dcy are read at valid steps only.
   */
  void backward_data(float* work, const float* dy, float* dx, const float* hx, const float* cx, const float* dhy,
                     const float* dcy, float* dhx, float* dcx) {
    size_t tb = row(shape.steps, 0);
    float* dout = work + plan.dout;
    float* din = work + plan.din;
    std::memset(dout, 0, sizeof(float) * tb * width);
    for (int t = 0; t < shape.steps; t++) {
      for (int b = 0; b < shape.batch; b++) {
        if (t < shape.lengths[b]) {
          std::memcpy(dout + row(t, b) * width, dy + row(t, b) * width, sizeof(float) * width);
        }
      }
    }
    for (int l = r.layers - 1; l >= 0; l--) {
      int in = layer_input(r, l);
      std::memset(din, 0, sizeof(float) * tb * in);
      for (int d = 0; d < r.directions; d++) {
        int p = l * r.directions + d;
        std::vector<double> dh(static_cast<size_t>(shape.batch) * h), dc(static_cast<size_t>(shape.batch) * h);
        for (size_t i = 0; i < dh.size(); i++) {
          size_t at = static_cast<size_t>(p) * shape.batch * h + i;
          dh[i] = dhy ? dhy[at] : 0;
          dc[i] = dcy && r.cell == LSTM ? dcy[at] : 0;
        }
        for (int s = 0; s < shape.steps; s++) {
          int t = d == 0 ? shape.steps - 1 - s : s;
          for (int b = 0; b < shape.batch; b++) {
            if (t >= shape.lengths[b]) {
              continue;
            }
            const float* act = space + plan.act[p] + row(t, b) * g * h;
            const float* extra = space + plan.extra[p] + row(t, b) * h;
            float* dpre = space + plan.dpre[p] + row(t, b) * g * h;
            float* dextra = space + plan.dextra[p] + row(t, b) * h;  // the GRU's: the gradient of R_n h + b_Rn
            double* dhb = &dh[static_cast<size_t>(b) * h];
            double* dcb = &dc[static_cast<size_t>(b) * h];
            std::vector<double> carried(h, 0.0);  // what reaches h_{t-1} other than through R
            for (int j = 0; j < h; j++) {
              double gh = dhb[j] + dout[row(t, b) * width + d * h + j];
              if (r.cell == LSTM) {
                double i = act[j], f = act[h + j], gg = act[2 * h + j], o = act[3 * h + j];
                double tc = std::tanh(static_cast<double>(extra[j]));
                double gc = dcb[j] + gh * o * (1 - tc * tc);
                dpre[j] = static_cast<float>(gc * gg * i * (1 - i));
                dpre[h + j] = static_cast<float>(gc * previous(l, d, t, b, j, cx, true) * f * (1 - f));
                dpre[2 * h + j] = static_cast<float>(gc * i * (1 - gg * gg));
                dpre[3 * h + j] = static_cast<float>(gh * tc * o * (1 - o));
                dcb[j] = gc * f;  // the cell's gradient one step back
              } else if (r.cell == GRU) {
                double rr = act[j], z = act[h + j], n = act[2 * h + j];
                double dn = gh * (1 - z) * (1 - n * n);
                dpre[2 * h + j] = static_cast<float>(dn);
                dextra[j] = static_cast<float>(dn * rr);
                dpre[j] = static_cast<float>(dn * extra[j] * rr * (1 - rr));
                dpre[h + j] = static_cast<float>(gh * (previous(l, d, t, b, j, hx, false) - n) * z * (1 - z));
                carried[j] = gh * z;
              } else {
                double y = act[j];
                dpre[j] = static_cast<float>(r.cell == TANH ? gh * (1 - y * y) : y > 0 ? gh : 0);
              }
            }
            // h_{t-1}'s gradient: through the recurrent matrices (the GRU's n through r * R_n h), and what carried.
            for (int k = 0; k < h; k++) {
              double sum = carried[k];
              for (int q = 0; q < g; q++) {
                const float* rq = matrix(p, g + q);
                const float* grad = r.cell == GRU && q == 2 ? dextra : dpre + static_cast<size_t>(q) * h;
                for (int j = 0; j < h; j++) {
                  sum += static_cast<double>(rq[static_cast<size_t>(j) * h + k]) * grad[j];
                }
              }
              dhb[k] = sum;
            }
            for (int k = 0; k < in; k++) {
              double sum = 0;
              for (int q = 0; q < g; q++) {
                const float* wq = matrix(p, q);
                for (int j = 0; j < h; j++) {
                  sum += static_cast<double>(wq[static_cast<size_t>(j) * in + k]) * dpre[static_cast<size_t>(q) * h + j];
                }
              }
              din[row(t, b) * in + k] += static_cast<float>(sum);
            }
          }
        }
        for (size_t i = 0; i < dh.size(); i++) {
          size_t at = static_cast<size_t>(p) * shape.batch * h + i;
          if (dhx) dhx[at] = static_cast<float>(dh[i]);
          if (dcx && r.cell == LSTM) dcx[at] = static_cast<float>(dc[i]);
        }
      }
      if (l > 0) {
        // Through the dropout on this layer's input, to the output of the layer below.
        for (size_t i = 0; i < tb * width; i++) {
          dout[i] = din[i] * space[plan.mask[l] + i];
        }
      } else {
        // Past a sequence's end, dx as y: its descriptor's fill, or NaN (undefined) without one.
        for (int t = 0; t < shape.steps; t++) {
          for (int b = 0; b < shape.batch; b++) {
            float* to = dx + row(t, b) * r.input;
            if (t < shape.lengths[b]) {
              std::memcpy(to, din + row(t, b) * r.input, sizeof(float) * r.input);
            } else {
              std::fill(to, to + r.input, shape.has_fill ? shape.fill : NAN);
            }
          }
        }
      }
    }
  }

  /** cudnnRNNBackwardWeights_v8: the pre-activations' gradients the data pass left, against the inputs and states. */
  void backward_weights(const float* x, const float* hx, float* dw) {
    for (int l = 0; l < r.layers; l++) {
      int in = layer_input(r, l);
      for (int d = 0; d < r.directions; d++) {
        int p = l * r.directions + d;
        for (int t = 0; t < shape.steps; t++) {
          for (int b = 0; b < shape.batch; b++) {
            if (t >= shape.lengths[b]) {
              continue;
            }
            const float* dpre = space + plan.dpre[p] + row(t, b) * g * h;
            const float* dextra = space + plan.dextra[p] + row(t, b) * h;
            for (int q = 0; q < g; q++) {
              float* dwq = dw + block(r, p, q, false);
              float* drq = dw + block(r, p, g + q, false);
              float* dbw = dw + block(r, p, q, true);
              float* dbr = dw + block(r, p, g + q, true);
              const float* grad = dpre + static_cast<size_t>(q) * h;
              const float* gradR = r.cell == GRU && q == 2 ? dextra : grad;
              for (int j = 0; j < h; j++) {
                dbw[j] += grad[j];
                dbr[j] += gradR[j];
                for (int k = 0; k < in; k++) {
                  dwq[static_cast<size_t>(j) * in + k] += grad[j] * input(l, x, t, b, k);
                }
                for (int k = 0; k < h; k++) {
                  drq[static_cast<size_t>(j) * h + k] += gradR[j] * previous(l, d, t, b, k, hx, false);
                }
              }
            }
          }
        }
      }
    }
  }
};

/** A hash of an RNN's shape and a batch's lengths, which a training forward writes into its reserve's header. */
uint32_t fingerprint(const RnnDesc& r, const DataDesc& x) {
  uint32_t h = 2166136261u;  // FNV-1a
  auto mix = [&h](uint32_t v) {
    for (int i = 0; i < 4; i++) {
      h = (h ^ ((v >> (8 * i)) & 0xff)) * 16777619u;
    }
  };
  for (int v : {r.cell, r.directions, r.input, r.hidden, r.layers, x.steps, x.batch}) {
    mix(static_cast<uint32_t>(v));
  }
  for (int len : x.lengths) {
    mix(static_cast<uint32_t>(len));
  }
  return h;
}

/**
 * A training forward's reserve: its header says the RNN and the sequences it was made for, and whether the data
 * pass has left the pre-activations' gradients in it ({@code after_data}).
 */
int check_reserve(const char* call, const RnnDesc& r, const Plan& plan, const DataDesc& x, size_t bytes,
                  const float* reserve, bool after_data) {
  if (bytes < plan.reserve_bytes(true)) {
    return refuse(BAD_PARAM, call, "a reserve space of %zu bytes; cudnnGetRNNTempSpaceSizes says %zu", bytes,
                  plan.reserve_bytes(true));
  }
  int status = device(call, "the reserve space", reserve, bytes);
  if (status != SUCCESS) {
    return status;
  }
  const uint32_t* head = reinterpret_cast<const uint32_t*>(reserve);
  if (head[0] != RESERVE || static_cast<int>(head[1]) != x.steps || static_cast<int>(head[2]) != x.batch
      || head[4] != fingerprint(r, x)) {
    return refuse(BAD_PARAM, call, "the reserve space is not the one a training forward of this RNN and these"
                  " sequences filled");
  }
  if (after_data && head[3] != BACKWARD_DATA) {
    return refuse(BAD_PARAM, call, "cudnnRNNBackwardData_v8 has not run on this reserve space since its forward");
  }
  return SUCCESS;
}

/** The workspace after a call: NaN, so that a caller who counts on what it held sees it. */
void scribble(void* work, size_t bytes) {
  float* w = static_cast<float*>(work);
  std::fill(w, w + bytes / 4, NAN);
}

/** y as the training forward left it, at every valid step: a backward pass reads it. */
int check_y(const char* call, const Pass& pass, const float* y) {
  if (y == nullptr) {
    return refuse(BAD_PARAM, call, "no y");
  }
  const DataDesc& s = pass.shape;
  int l = pass.r.layers - 1;
  for (int t = 0; t < s.steps; t++) {
    for (int b = 0; b < s.batch; b++) {
      if (t >= s.lengths[b]) {
        continue;
      }
      size_t at = pass.row(t, b) * pass.width;
      if (std::memcmp(y + at, pass.space + pass.plan.out[l] + at, sizeof(float) * pass.width) != 0) {
        return refuse(BAD_PARAM, call, "y at step %d of sequence %d is not what the training forward wrote there", t, b);
      }
    }
  }
  return SUCCESS;
}

/**
 * What both backward calls ask: a workspace as large as asked for, a training forward's reserve
 * (the data pass run on it, for the weights'), and y as that forward left it.
 */
int check_backward(const char* call, const RnnDesc& r, const Plan& plan, const DataDesc& x, size_t work_bytes,
                   size_t reserve_bytes, void* reserve, bool after_data, const void* y) {
  if (work_bytes < plan.work_bytes(true)) {
    return refuse(BAD_PARAM, call, "a workspace of %zu bytes; cudnnGetRNNTempSpaceSizes says %zu", work_bytes,
                  plan.work_bytes(true));
  }
  int status = check_reserve(call, r, plan, x, reserve_bytes, static_cast<float*>(reserve), after_data);
  if (status != SUCCESS) {
    return status;
  }
  return check_y(call, Pass(r, x, nullptr, static_cast<float*>(reserve)), static_cast<const float*>(y));
}
}  // namespace

extern "C" {
int cudnnCreateRNNDescriptor(void** d) { return create<RnnDesc>("cudnnCreateRNNDescriptor", d); }

int cudnnDestroyRNNDescriptor(void* d) { return destroy<RnnDesc>("cudnnDestroyRNNDescriptor", d, RNN); }

int cudnnCreateRNNDataDescriptor(void** d) {
  return create<DataDesc>("cudnnCreateRNNDataDescriptor", d);
}

int cudnnDestroyRNNDataDescriptor(void* d) {
  return destroy<DataDesc>("cudnnDestroyRNNDataDescriptor", d, RNN_DATA);
}

int cudnnSetRNNDescriptor_v8(void* d, int algo, int cell, int bias_mode, int direction_mode, int input_mode,
                             int data_type, int math_precision, int math_type, int input, int hidden, int projection,
                             int layers, void* dropout_desc, unsigned aux) {
  const char* call = "cudnnSetRNNDescriptor_v8";
  auto* r = static_cast<RnnDesc*>(d);
  if (r == nullptr || r->tag != RNN) {
    return refuse(BAD_PARAM, call, "not a live RNN descriptor");
  }
  // JRNN_EMULATOR_CUDNN=none: a cuDNN that refuses every RNN, for rehearsing what its failure leaves.
  const char* cudnn = std::getenv("JRNN_EMULATOR_CUDNN");
  if (cudnn != nullptr && std::strcmp(cudnn, "none") == 0) {
    return refuse(NOT_SUPPORTED, call, "the emulator's cuDNN refuses every RNN (JRNN_EMULATOR_CUDNN=none)");
  }
  if (algo != 0 || bias_mode != DOUBLE_BIAS || input_mode != LINEAR_INPUT || data_type != DATA_FLOAT
      || math_precision != DATA_FLOAT) {
    return refuse(NOT_SUPPORTED, call, "algorithm %d, bias mode %d, input mode %d, types %d/%d: the emulator runs the"
                  " standard algorithm with two biases, linear input, in float", algo, bias_mode, input_mode, data_type,
                  math_precision);
  }
  if (cell < RELU || cell > GRU || (direction_mode != 0 && direction_mode != BIDIRECTIONAL) || math_type < 0
      || math_type > 3 || input < 1 || hidden < 1 || layers < 1 || aux > 1) {
    return refuse(BAD_PARAM, call, "cell %d, direction mode %d, math type %d, sizes %d/%d, %d layers, flags %u", cell,
                  direction_mode, math_type, input, hidden, layers, aux);
  }
  if (projection != hidden) {
    return refuse(cell == LSTM && projection < hidden ? NOT_SUPPORTED : BAD_PARAM, call,
                  "a projection of %d with %d hidden (only the LSTM projects; the emulator does not)", projection, hidden);
  }
  auto* drop = static_cast<DropoutDesc*>(dropout_desc);
  if (drop != nullptr && (drop->tag != DROPOUT || !drop->set)) {
    return refuse(BAD_PARAM, call, "the dropout descriptor is not one made and set");
  }
  r->set = true;
  r->cell = cell;
  r->directions = direction_mode == BIDIRECTIONAL ? 2 : 1;
  r->input = input;
  r->hidden = hidden;
  r->layers = layers;
  r->aux = aux;
  r->rate = drop == nullptr ? 0 : drop->rate;
  r->states = drop == nullptr ? nullptr : drop->states;
  return SUCCESS;
}

int cudnnSetRNNDataDescriptor(void* d, int data_type, int layout, int steps, int batch, int vector,
                              const int* lengths, void* fill) {
  const char* call = "cudnnSetRNNDataDescriptor";
  auto* r = static_cast<DataDesc*>(d);
  if (r == nullptr || r->tag != RNN_DATA) {
    return refuse(BAD_PARAM, call, "not a live RNN data descriptor");
  }
  if (data_type != DATA_FLOAT || layout < 0 || layout > 2 || steps < 1 || batch < 1 || vector < 1
      || lengths == nullptr) {
    return refuse(BAD_PARAM, call, "type %d, layout %d, %d steps, batch %d, vectors of %d, lengths %p", data_type, layout,
                  steps, batch, vector, static_cast<const void*>(lengths));
  }
  for (int b = 0; b < batch; b++) {
    if (lengths[b] < 0 || lengths[b] > steps) {
      return refuse(BAD_PARAM, call, "sequence %d's length is %d, outside 0..%d", b, lengths[b], steps);
    }
  }
  r->set = true;
  r->layout = layout;
  r->steps = steps;
  r->batch = batch;
  r->vector = vector;
  r->lengths.assign(lengths, lengths + batch);
  r->has_fill = fill != nullptr;
  r->fill = fill == nullptr ? 0 : *static_cast<const float*>(fill);
  return SUCCESS;
}

int cudnnGetRNNWeightSpaceSize(void* handle, void* d, size_t* bytes) {
  RnnDesc* r = rnn(d);
  if (handle == nullptr || r == nullptr || bytes == nullptr) {
    return refuse(BAD_PARAM, "cudnnGetRNNWeightSpaceSize", "a null handle or size, or an RNN descriptor not set");
  }
  *bytes = 4 * weight_floats(*r);
  return SUCCESS;
}

int cudnnGetRNNWeightParams(void* handle, void* d, int pseudo_layer, size_t weight_bytes, const void* weights,
                            int lin, void* m_desc, void** m_addr, void* b_desc, void** b_addr) {
  const char* call = "cudnnGetRNNWeightParams";
  RnnDesc* r = rnn(d);
  if (handle == nullptr || r == nullptr) {
    return refuse(BAD_PARAM, call, "a null handle, or an RNN descriptor not set");
  }
  if (pseudo_layer < 0 || pseudo_layer >= r->layers * r->directions || lin < 0 || lin >= 2 * gates(*r)) {
    return refuse(BAD_PARAM, call, "pseudo-layer %d, linear layer %d: the RNN has %d and %d", pseudo_layer, lin,
                  r->layers * r->directions, 2 * gates(*r));
  }
  if (weights == nullptr || weight_bytes < 4 * weight_floats(*r)) {
    return refuse(BAD_PARAM, call, "a weight space of %zu bytes at %p; cudnnGetRNNWeightSpaceSize says %zu", weight_bytes,
                  weights, 4 * weight_floats(*r));
  }
  int columns = lin < gates(*r) ? layer_input(*r, pseudo_layer / r->directions) : r->hidden;
  // As cuDNN's reference gives them: the matrix {1, rows, columns}, the bias {1, rows, 1}, packed.
  int m_dims[3] = {1, r->hidden, columns}, m_strides[3] = {r->hidden * columns, columns, 1};
  int b_dims[3] = {1, r->hidden, 1}, b_strides[3] = {r->hidden, 1, 1};
  auto* m = static_cast<TensorDesc*>(m_desc);
  auto* b = static_cast<TensorDesc*>(b_desc);
  if ((m != nullptr && m->tag != TENSOR) || (b != nullptr && b->tag != TENSOR)) {
    return refuse(BAD_PARAM, call, "mDesc or bDesc is not a live tensor descriptor");
  }
  const float* w = static_cast<const float*>(weights);
  for (auto [desc, dims, strides, addr, at] : {std::make_tuple(m, m_dims, m_strides, m_addr, block(*r, pseudo_layer, lin, false)),
                                               std::make_tuple(b, b_dims, b_strides, b_addr, block(*r, pseudo_layer, lin, true))}) {
    if (desc != nullptr) {
      desc->data_type = DATA_FLOAT;
      desc->dims_count = 3;
      for (int i = 0; i < 3; i++) {
        desc->dims[i] = dims[i];
        desc->strides[i] = strides[i];
      }
    }
    if (addr != nullptr) {
      *addr = const_cast<float*>(w + at);
    }
  }
  return SUCCESS;
}

int cudnnGetRNNTempSpaceSizes(void* handle, void* d, int mode, void* x_desc, size_t* work_bytes,
                              size_t* reserve_bytes) {
  const char* call = "cudnnGetRNNTempSpaceSizes";
  RnnDesc* r = rnn(d);
  DataDesc* x = data(x_desc);
  if (handle == nullptr || r == nullptr || x == nullptr || work_bytes == nullptr
      || (mode != FWD_INFERENCE && mode != FWD_TRAINING) || (mode == FWD_TRAINING && reserve_bytes == nullptr)) {
    return refuse(BAD_PARAM, call, "a null handle or size, a descriptor not set, or mode %d", mode);
  }
  Plan plan(*r, x->steps, x->batch);
  *work_bytes = plan.work_bytes(mode == FWD_TRAINING);
  if (reserve_bytes != nullptr) {
    *reserve_bytes = plan.reserve_bytes(mode == FWD_TRAINING);
  }
  return SUCCESS;
}

int cudnnRNNForward(void* handle, void* d, int mode, const int* dev_lengths, void* x_desc, const void* x,
                    void* y_desc, void* y, void* h_desc, const void* hx, void* hy, void* c_desc, const void* cx,
                    void* cy, size_t weight_bytes, const void* weights, size_t work_bytes, void* work,
                    size_t reserve_bytes, void* reserve) {
  const char* call = "cudnnRNNForward";
  std::lock_guard<std::mutex> one_at_a_time(calls);
  RnnDesc* r = rnn(d);
  DataDesc* xd = data(x_desc);
  int status = check_pass(call, handle, r, xd, data(y_desc), dev_lengths, h_desc, c_desc, weight_bytes);
  if (status != SUCCESS) {
    return status;
  }
  if (mode != FWD_INFERENCE && mode != FWD_TRAINING) {
    return refuse(BAD_PARAM, call, "forward mode %d", mode);
  }
  if (x == nullptr || y == nullptr || weights == nullptr || work == nullptr) {
    return refuse(BAD_PARAM, call, "a null x, y, weight space or workspace");
  }
  bool training = mode == FWD_TRAINING;
  bool lstm = r->cell == LSTM;
  Plan plan(*r, xd->steps, xd->batch);
  size_t tb = static_cast<size_t>(xd->steps) * xd->batch;
  size_t state = 4 * static_cast<size_t>(r->layers) * r->directions * xd->batch * r->hidden;
  if ((status = buffers(call, {{"x", x, 4 * tb * r->input}, {"y", y, 4 * tb * r->hidden * r->directions},
                               {"hx", hx, state}, {"hy", hy, state}, {"cx", lstm ? cx : nullptr, state},
                               {"cy", lstm ? cy : nullptr, state}, {"the weight space", weights, weight_bytes},
                               {"the workspace", work, work_bytes}})) != SUCCESS) {
    return status;
  }
  if (work_bytes < plan.work_bytes(training)) {
    return refuse(BAD_PARAM, call, "a workspace of %zu bytes; cudnnGetRNNTempSpaceSizes says %zu", work_bytes,
                  plan.work_bytes(training));
  }
  if (training) {
    if (reserve_bytes < plan.reserve_bytes(true)) {
      return refuse(BAD_PARAM, call, "a reserve space of %zu bytes in training; cudnnGetRNNTempSpaceSizes says %zu",
                    reserve_bytes, plan.reserve_bytes(true));
    }
    if ((status = device(call, "the reserve space", reserve, reserve_bytes)) != SUCCESS) {
      return status;
    }
  }
  if (training && r->layers > 1 && r->rate > 0) {
    if ((status = device(call, "the dropout states", r->states, DROPOUT_STATE_BYTES)) != SUCCESS) {
      return status;
    }
    if (static_cast<DropoutState*>(r->states)->tag != DROPOUT_STATE) {
      return refuse(BAD_PARAM, call, "dropout of %g, and the dropout states hold no generator", r->rate);
    }
  }
  float* space = static_cast<float*>(training ? reserve : work);
  Pass pass(*r, *xd, static_cast<const float*>(weights), space);
  pass.forward(static_cast<const float*>(x), static_cast<const float*>(hx), lstm ? static_cast<const float*>(cx)
               : nullptr, static_cast<float*>(hy), lstm ? static_cast<float*>(cy) : nullptr, training);
  auto* out = static_cast<float*>(y);
  const float* top = space + plan.out[r->layers - 1];
  const DataDesc* yd = data(y_desc);
  for (int t = 0; t < xd->steps; t++) {
    for (int b = 0; b < xd->batch; b++) {
      for (int k = 0; k < pass.width; k++) {
        size_t at = pass.row(t, b) * pass.width + k;
        // Past a sequence's end: yDesc's fill, or left undefined (NaN here) without one.
        out[at] = t < xd->lengths[b] ? top[at] : yd->has_fill ? yd->fill : NAN;
      }
    }
  }
  if (training) {
    auto* head = reinterpret_cast<uint32_t*>(space);
    head[0] = RESERVE;
    head[1] = static_cast<uint32_t>(xd->steps);
    head[2] = static_cast<uint32_t>(xd->batch);
    head[3] = 0;  // no data pass yet
    head[4] = fingerprint(*r, *xd);
  }
  scribble(work, work_bytes);
  return SUCCESS;
}

int cudnnRNNBackwardData_v8(void* handle, void* d, const int* dev_lengths, void* y_desc, const void* y, const void* dy,
                            void* x_desc, void* dx, void* h_desc, const void* hx, const void* dhy, void* dhx,
                            void* c_desc, const void* cx, const void* dcy, void* dcx, size_t weight_bytes,
                            const void* weights, size_t work_bytes, void* work, size_t reserve_bytes, void* reserve) {
  const char* call = "cudnnRNNBackwardData_v8";
  std::lock_guard<std::mutex> one_at_a_time(calls);
  RnnDesc* r = rnn(d);
  DataDesc* xd = data(x_desc);
  int status = check_pass(call, handle, r, xd, data(y_desc), dev_lengths, h_desc, c_desc, weight_bytes);
  if (status != SUCCESS) {
    return status;
  }
  if (y == nullptr || dy == nullptr || dx == nullptr || weights == nullptr || work == nullptr) {
    return refuse(BAD_PARAM, call, "a null y, dy, dx, weight space or workspace");
  }
  bool lstm = r->cell == LSTM;
  Plan plan(*r, xd->steps, xd->batch);
  size_t tb = static_cast<size_t>(xd->steps) * xd->batch;
  size_t width = 4 * tb * r->hidden * r->directions;
  size_t state = 4 * static_cast<size_t>(r->layers) * r->directions * xd->batch * r->hidden;
  if ((status = buffers(call, {{"y", y, width}, {"dy", dy, width}, {"dx", dx, 4 * tb * r->input}, {"hx", hx, state},
                               {"dhy", dhy, state}, {"dhx", dhx, state}, {"cx", lstm ? cx : nullptr, state},
                               {"dcy", lstm ? dcy : nullptr, state}, {"dcx", lstm ? dcx : nullptr, state},
                               {"the weight space", weights, weight_bytes}, {"the workspace", work, work_bytes}}))
      != SUCCESS) {
    return status;
  }
  if ((status = check_backward(call, *r, plan, *xd, work_bytes, reserve_bytes, reserve, false, y)) != SUCCESS) {
    return status;
  }
  Pass pass(*r, *xd, static_cast<const float*>(weights), static_cast<float*>(reserve));
  pass.backward_data(static_cast<float*>(work), static_cast<const float*>(dy), static_cast<float*>(dx),
                     static_cast<const float*>(hx), lstm ? static_cast<const float*>(cx) : nullptr,
                     static_cast<const float*>(dhy), lstm ? static_cast<const float*>(dcy) : nullptr,
                     static_cast<float*>(dhx), lstm ? static_cast<float*>(dcx) : nullptr);
  static_cast<uint32_t*>(reserve)[3] = BACKWARD_DATA;
  scribble(work, work_bytes);
  return SUCCESS;
}

int cudnnRNNBackwardWeights_v8(void* handle, void* d, int mode, const int* dev_lengths, void* x_desc, const void* x,
                               void* h_desc, const void* hx, void* y_desc, const void* y, size_t weight_bytes,
                               void* dweights, size_t work_bytes, void* work, size_t reserve_bytes, void* reserve) {
  const char* call = "cudnnRNNBackwardWeights_v8";
  std::lock_guard<std::mutex> one_at_a_time(calls);
  RnnDesc* r = rnn(d);
  DataDesc* xd = data(x_desc);
  // cDesc is not among this call's arguments: hDesc stands for it in the shared checks.
  int status = check_pass(call, handle, r, xd, data(y_desc), dev_lengths, h_desc, h_desc, weight_bytes);
  if (status != SUCCESS) {
    return status;
  }
  if (mode != WGRAD_ADD) {
    // cuDNN's reference: this call supports only CUDNN_WGRAD_MODE_ADD (callers zero the gradients first).
    return refuse(NOT_SUPPORTED, call, "gradient mode %d: only CUDNN_WGRAD_MODE_ADD (0) is supported", mode);
  }
  if (x == nullptr || y == nullptr || dweights == nullptr || work == nullptr) {
    return refuse(BAD_PARAM, call, "a null x, y, weight gradient space or workspace");
  }
  Plan plan(*r, xd->steps, xd->batch);
  size_t tb = static_cast<size_t>(xd->steps) * xd->batch;
  size_t state = 4 * static_cast<size_t>(r->layers) * r->directions * xd->batch * r->hidden;
  if ((status = buffers(call, {{"x", x, 4 * tb * r->input}, {"y", y, 4 * tb * r->hidden * r->directions},
                               {"hx", hx, state}, {"the weight gradients' space", dweights, weight_bytes},
                               {"the workspace", work, work_bytes}})) != SUCCESS) {
    return status;
  }
  if ((status = check_backward(call, *r, plan, *xd, work_bytes, reserve_bytes, reserve, true, y)) != SUCCESS) {
    return status;
  }
  Pass pass(*r, *xd, nullptr, static_cast<float*>(reserve));
  pass.backward_weights(static_cast<const float*>(x), static_cast<const float*>(hx), static_cast<float*>(dweights));
  scribble(work, work_bytes);
  return SUCCESS;
}
}
