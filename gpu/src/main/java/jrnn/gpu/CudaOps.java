package jrnn.gpu;

import static jrnn.gpu.Cuda.check;
import static jrnn.gpu.Cuda.checkCublas;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemset;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jrnn.kernels.Activation;
import jrnn.tensor.Tensor;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * {@link Ops} on the GPU: products in cuBLAS (fp32), the rest in kernels of jrnn's own
 * ({@link #SOURCE}), compiled for the device when the first instance is made (NVRTC) and
 * launched through the driver API. {@link HostOps} is their twin in Java.
 */
final class CudaOps implements Ops {
  /** The kernels, one per {@link Ops} method that is not a product, a copy or a slice. */
  static final String SOURCE = """
      #define GRID_STRIDE(i, n) for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; \\
          i < (n); i += (long long) gridDim.x * blockDim.x)

      // A negative id (padding) reads as zeros and takes no gradient.
      extern "C" __global__ void gather_rows(const float* table, int width, const int* ids, int rows, float* out) {
        GRID_STRIDE(i, (long long) rows * width) {
          int id = ids[i / width];
          out[i] = id < 0 ? 0.0f : table[(long long) id * width + i % width];
        }
      }

      extern "C" __global__ void scatter_add_rows(float* table, int width, const int* ids, int rows, const float* in) {
        GRID_STRIDE(i, (long long) rows * width) {
          int id = ids[i / width];
          if (id >= 0) atomicAdd(&table[(long long) id * width + i % width], in[i]);
        }
      }

      // Ops.poolForward: kind 0 last (columns from split on at step 0), 1 mean, 2 max.
      extern "C" __global__ void pool_forward(int kind, const float* y, int steps, int batch, int width, int split,
          const int* lengths, float* out, int* argmax) {
        GRID_STRIDE(i, (long long) batch * width) {
          int b = (int) (i / width);
          int j = (int) (i % width);
          int len = lengths[b];
          float value;
          if (kind == 0) {
            value = y[((long long) (j < split ? len - 1 : 0) * batch + b) * width + j];
          } else if (kind == 1) {
            double s = 0;
            for (int t = 0; t < len; t++) s += y[((long long) t * batch + b) * width + j];
            value = (float) (s / len);
          } else {
            int best = 0;
            value = y[(long long) b * width + j];
            for (int t = 1; t < len; t++) {
              float x = y[((long long) t * batch + b) * width + j];
              if (x > value) { value = x; best = t; }
            }
            argmax[i] = best;
          }
          out[i] = value;
        }
      }

      extern "C" __global__ void pool_backward(int kind, const float* dout, int steps, int batch, int width,
          int split, const int* lengths, const int* argmax, float* dy) {
        GRID_STRIDE(i, (long long) steps * batch * width) {
          long long r = i % ((long long) batch * width);
          int t = (int) (i / ((long long) batch * width));
          int b = (int) (r / width);
          int j = (int) (r % width);
          int len = lengths[b];
          float g = 0.0f;
          if (t < len) {
            if (kind == 0) g = t == (j < split ? len - 1 : 0) ? dout[r] : 0.0f;
            else if (kind == 1) g = dout[r] / len;
            else g = t == argmax[r] ? dout[r] : 0.0f;
          }
          dy[i] = g;
        }
      }

      extern "C" __global__ void add_to_rows(float* m, int rows, int cols, const float* v) {
        GRID_STRIDE(i, (long long) rows * cols) {
          m[i] += v[i % cols];
        }
      }

      extern "C" __global__ void add_column_sums(const float* m, int rows, int cols, float scale, float* out) {
        int c = blockIdx.x * blockDim.x + threadIdx.x;
        if (c < cols) {
          double s = 0;
          for (int r = 0; r < rows; r++) {
            s += m[(long long) r * cols + c];
          }
          out[c] += (float) (scale * s);
        }
      }

      // Ops.uniform: splitmix64 of seed + (i + 1) * golden ratio, its top 24 bits.
      extern "C" __global__ void dropout_mask(float* mask, long long n, float p, unsigned long long seed) {
        float keep = 1.0f / (1.0f - p);
        GRID_STRIDE(i, n) {
          unsigned long long z = seed + (unsigned long long) (i + 1) * 0x9E3779B97F4A7C15ULL;
          z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
          z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
          z = z ^ (z >> 31);
          float u = (float) (z >> 40) * 5.9604644775390625e-8f;
          mask[i] = u >= p ? keep : 0.0f;
        }
      }

      extern "C" __global__ void multiply(float* a, const float* m, long long n) {
        GRID_STRIDE(i, n) {
          a[i] *= m[i];
        }
      }

      // The sum of s over the block's threads, for every thread; red: blockDim.x doubles of shared memory,
      // free again once every thread has read the sum.
      __device__ double block_sum(double s, double* red) {
        red[threadIdx.x] = s;
        __syncthreads();
        for (int k = blockDim.x / 2; k > 0; k >>= 1) {
          if (threadIdx.x < k) red[threadIdx.x] += red[threadIdx.x + k];
          __syncthreads();
        }
        return red[0];
      }

      // Each block's partial sum in double, added to *out.
      extern "C" __global__ void sum_of_squares(const float* a, long long n, double* out) {
        __shared__ double red[256];
        double s = 0;
        GRID_STRIDE(i, n) {
          double v = a[i];
          s += v * v;
        }
        double total = block_sum(s, red);
        if (threadIdx.x == 0) atomicAdd(out, total);
      }

      extern "C" __global__ void scale(float* a, long long n, float s) {
        GRID_STRIDE(i, n) {
          a[i] *= s;
        }
      }

      extern "C" __global__ void clamp(float* a, long long n, float limit) {
        GRID_STRIDE(i, n) {
          a[i] = fmaxf(-limit, fminf(limit, a[i]));
        }
      }

      extern "C" __global__ void axpy(float* y, float alpha, const float* x, const float* mask, long long n) {
        GRID_STRIDE(i, n) {
          y[i] += alpha * x[i] * (mask == 0 ? 1.0f : mask[i]);
        }
      }

      extern "C" __global__ void momentum_step(float* w, const float* g, float* v, long long n, float lr, float mu,
          int nesterov) {
        GRID_STRIDE(i, n) {
          float gi = g[i];
          float vi = mu * v[i] + gi;
          v[i] = vi;
          w[i] -= lr * (nesterov ? gi + mu * vi : vi);
        }
      }

      extern "C" __global__ void adam_step(float* w, const float* g, float* m, float* v, long long n, float a,
          float b1, float b2, float eHat) {
        GRID_STRIDE(i, n) {
          float gi = g[i];
          float mi = b1 * m[i] + (1.0f - b1) * gi;
          float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          w[i] -= a * mi / (sqrtf(vi) + eHat);
        }
      }

      // A block of 256 threads per row (rows beyond the grid taken in turn); dlogits NULL: no gradient.
      extern "C" __global__ void softmax_xent(const float* logits, int rows, int classes, const int* targets,
          const int* valid, float* loss, float* correct, float* dlogits) {
        __shared__ float red[256];
        int tid = threadIdx.x;
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
          const float* x = logits + (long long) r * classes;
          float* d = dlogits ? dlogits + (long long) r * classes : nullptr;
          if (!valid[r]) {
            if (dlogits) for (int c = tid; c < classes; c += blockDim.x) d[c] = 0.0f;
            if (tid == 0) { loss[r] = 0.0f; correct[r] = 0.0f; }
            continue;
          }
          float m = __int_as_float(0xff800000);
          for (int c = tid; c < classes; c += blockDim.x) m = fmaxf(m, x[c]);
          red[tid] = m;
          __syncthreads();
          for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (tid < s) red[tid] = fmaxf(red[tid], red[tid + s]);
            __syncthreads();
          }
          float max = red[0];
          __syncthreads();
          float sum = 0.0f;
          for (int c = tid; c < classes; c += blockDim.x) sum += expf(x[c] - max);
          red[tid] = sum;
          __syncthreads();
          for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (tid < s) red[tid] += red[tid + s];
            __syncthreads();
          }
          float total = red[0];
          __syncthreads();
          // The argmax, ties to the first (as Kernels.isArgmax): the least class holding the maximum.
          int first = classes;
          for (int c = tid; c < classes; c += blockDim.x) {
            if (x[c] == max) { first = c; break; }
          }
          red[tid] = (float) first;
          __syncthreads();
          for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (tid < s) red[tid] = fminf(red[tid], red[tid + s]);
            __syncthreads();
          }
          int t = targets[r];
          if (dlogits) {
            for (int c = tid; c < classes; c += blockDim.x) d[c] = expf(x[c] - max) / total - (c == t ? 1.0f : 0.0f);
          }
          if (tid == 0) {
            loss[r] = logf(total) + max - x[t];
            correct[r] = (int) red[0] == t ? 1.0f : 0.0f;
          }
          __syncthreads();
        }
      }
      // out[j] += sum over rows of a[r lda + j] b[r ldb + j]: a peephole weight's gradient.
      extern "C" __global__ void add_column_dots(const float* a, int lda, const float* b, int ldb, int rows, int n,
          float* out) {
        int j = blockIdx.x * blockDim.x + threadIdx.x;
        if (j < n) {
          double s = 0;
          for (int r = 0; r < rows; r++) {
            s += (double) a[(long long) r * lda + j] * b[(long long) r * ldb + j];
          }
          out[j] += (float) s;
        }
      }

      // The step kernels (Ops.Step): one thread per unit j of row b of step t; a row whose sequence
      // has ended (t >= lengths[b]) is frozen: state carried, output zero or untouched, gradient passed.
      __device__ float sigm(float x) { return 1.0f / (1.0f + expf(-x)); }

      // Activation f: 0 tanh, 1 sigmoid, 2 ReLU; its derivative from its output.
      __device__ float activate(int f, float z) { return f == 0 ? tanhf(z) : f == 1 ? sigm(z) : (z > 0.0f || isnan(z) ? z : 0.0f); }

      __device__ float activation_grad(int f, float h) {
        return f == 0 ? 1.0f - h * h : f == 1 ? h * (1.0f - h) : (h > 0.0f ? 1.0f : 0.0f);
      }

      // Unit i = (b, j): the new state (or the carried one) and the output.
      __device__ void emit(bool running, float value, const float* hprev, float* h, float* out, int out_ld,
          int accumulate, long long i, int b, int j) {
        float v = running ? value : hprev[i];
        h[i] = v;
        float* o = out + (long long) b * out_ld + j;
        if (running) *o = accumulate ? *o + v : v;
        else if (!accumulate) *o = 0.0f;
      }

      extern "C" __global__ void rnn_forward(int f, int t, int batch, int hidden, const int* lengths, float* gates,
          const float* product, const float* hprev, float* h, float* out, int out_ld, int accumulate) {
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          float a = activate(f, gates[i] + product[i]);                           // SPEC 8-1, 8-2
          gates[i] = a;
          emit(t < lengths[b], a, hprev, h, out, out_ld, accumulate, i, b, (int) (i % hidden));
        }
      }

      extern "C" __global__ void rnn_backward(int f, int t, int batch, int hidden, const int* lengths,
          const float* gates, const float* dout, int out_ld, const float* carry, float* dgates, float* next) {
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          if (t < lengths[b]) {
            float dh = dout[(long long) b * out_ld + i % hidden] + carry[i];
            dgates[i] = dh * activation_grad(f, gates[i]);                        // 8-14
            next[i] = 0.0f;
          } else {
            dgates[i] = 0.0f;
            next[i] = carry[i];
          }
        }
      }

      // Gate blocks i, f, g, o (f, g, o when coupled); peepholes pi, pf, po may be null.
      extern "C" __global__ void lstm_forward(int coupled, const float* pi, const float* pf, const float* po, int t,
          int batch, int hidden, const int* lengths, float* gates, const float* product, const float* cprev, float* c,
          float* tanhc, const float* hprev, float* h, float* out, int out_ld, int accumulate) {
        int n = hidden;
        int w = (coupled ? 3 : 4) * n;
        int ib = 0, fb = coupled ? 0 : n, gb = fb + n, ob = gb + n;
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          int j = (int) (i % hidden);
          float* g = gates + (long long) b * w;
          const float* p = product + (long long) b * w;
          float cp = cprev[i];
          float fg = sigm(g[fb + j] + p[fb + j] + (pf ? pf[j] * cp : 0.0f));               // 8-25, 8-31
          float ig = coupled ? 1.0f - fg : sigm(g[ib + j] + p[ib + j] + (pi ? pi[j] * cp : 0.0f));  // 8-26, 8-32, 8-34
          float cand = tanhf(g[gb + j] + p[gb + j]);                                       // 8-27
          float cj = fg * cp + ig * cand;                                                  // 8-28
          float og = sigm(g[ob + j] + p[ob + j] + (po ? po[j] * cj : 0.0f));               // 8-29, 8-33
          float tc = tanhf(cj);
          if (!coupled) g[ib + j] = ig;
          g[fb + j] = fg;
          g[gb + j] = cand;
          g[ob + j] = og;
          tanhc[i] = tc;
          bool running = t < lengths[b];
          c[i] = running ? cj : cp;
          emit(running, og * tc, hprev, h, out, out_ld, accumulate, i, b, j);              // 8-30
        }
      }

      extern "C" __global__ void lstm_backward(int coupled, const float* pi, const float* pf, const float* po, int t,
          int batch, int hidden, const int* lengths, const float* gates, const float* cprev, const float* tanhc,
          const float* dout, int out_ld, const float* carry, float* dc, float* dgates, float* next) {
        int n = hidden;
        int w = (coupled ? 3 : 4) * n;
        int ib = 0, fb = coupled ? 0 : n, gb = fb + n, ob = gb + n;
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          int j = (int) (i % hidden);
          const float* g = gates + (long long) b * w;
          float* dg = dgates + (long long) b * w;
          if (t >= lengths[b]) {
            dg[ib + j] = 0.0f;
            dg[fb + j] = 0.0f;
            dg[gb + j] = 0.0f;
            dg[ob + j] = 0.0f;
            next[i] = carry[i];
            continue;
          }
          float dh = dout[(long long) b * out_ld + j] + carry[i];
          float fg = g[fb + j];
          float ig = coupled ? 1.0f - fg : g[ib + j];
          float cand = g[gb + j];
          float og = g[ob + j];
          float tc = tanhc[i];
          float cp = cprev[i];
          float d_o = dh * tc * og * (1.0f - og);
          float d_c = dc[i] + dh * og * (1.0f - tc * tc);
          if (po) d_c += d_o * po[j];
          float d_g = d_c * ig * (1.0f - cand * cand);
          float d_f = d_c * (coupled ? cp - cand : cp) * fg * (1.0f - fg);
          float d_cprev = d_c * fg;
          if (pf) d_cprev += d_f * pf[j];
          if (!coupled) {
            float d_i = d_c * cand * ig * (1.0f - ig);
            if (pi) d_cprev += d_i * pi[j];
            dg[ib + j] = d_i;
          }
          dg[fb + j] = d_f;
          dg[gb + j] = d_g;
          dg[ob + j] = d_o;
          dc[i] = d_cprev;
          next[i] = 0.0f;
        }
      }

      // GRU, reset before the product: r, z (8-36, 8-35) and rh = r * h_{t-1}; rows of 3H.
      extern "C" __global__ void gru_gates(int batch, int hidden, float* gates, const float* product,
          const float* hprev, float* rh) {
        int n = hidden;
        GRID_STRIDE(i, (long long) batch * hidden) {
          long long row = (i / hidden) * 3 * n;
          int j = (int) (i % hidden);
          float r = sigm(gates[row + j] + product[row + j]);
          gates[row + j] = r;
          gates[row + n + j] = sigm(gates[row + n + j] + product[row + n + j]);
          rh[i] = r * hprev[i];
        }
      }

      extern "C" __global__ void gru_candidate(int t, int batch, int hidden, const int* lengths, float* gates,
          const float* product, const float* hprev, float* h, float* out, int out_ld, int accumulate) {
        int n = hidden;
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          int j = (int) (i % hidden);
          long long row = (long long) b * 3 * n;
          float z = gates[row + n + j];
          float nn = tanhf(gates[row + 2 * n + j] + product[row + 2 * n + j]);           // 8-37
          gates[row + 2 * n + j] = nn;
          emit(t < lengths[b], (1.0f - z) * hprev[i] + z * nn, hprev, h, out, out_ld, accumulate, i, b, j);  // 8-38
        }
      }

      extern "C" __global__ void gru_candidate_backward(int t, int batch, int hidden, const int* lengths,
          const float* gates, const float* hprev, const float* dout, int out_ld, const float* carry, float* dgates,
          float* next) {
        int n = hidden;
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          int j = (int) (i % hidden);
          long long row = (long long) b * 3 * n;
          dgates[row + j] = 0.0f;
          if (t >= lengths[b]) {
            dgates[row + n + j] = 0.0f;
            dgates[row + 2 * n + j] = 0.0f;
            next[i] = carry[i];
            continue;
          }
          float dh = dout[(long long) b * out_ld + j] + carry[i];
          float z = gates[row + n + j];
          float nn = gates[row + 2 * n + j];
          dgates[row + n + j] = dh * (nn - hprev[i]) * z * (1.0f - z);
          dgates[row + 2 * n + j] = dh * z * (1.0f - nn * nn);
          next[i] = dh * (1.0f - z);
        }
      }

      extern "C" __global__ void gru_reset_backward(int t, int batch, int hidden, const int* lengths,
          const float* gates, const float* hprev, const float* drh, float* dgates, float* next) {
        int n = hidden;
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          if (t < lengths[b]) {
            long long at = (long long) b * 3 * n + i % hidden;
            float r = gates[at];
            dgates[at] = drh[i] * hprev[i] * r * (1.0f - r);
            next[i] += drh[i] * r;
          }
        }
      }

      // GRU, reset after the product (PyTorch's): product = W_hh h_{t-1} for r, z, n; hn saved.
      extern "C" __global__ void gru_reset_after_forward(int t, int batch, int hidden, const int* lengths,
          float* gates, const float* product, const float* bias_hn, float* hn, const float* hprev, float* h, float* out,
          int out_ld, int accumulate) {
        int n = hidden;
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          int j = (int) (i % hidden);
          long long row = (long long) b * 3 * n;
          float r = sigm(gates[row + j] + product[row + j]);                                // 8-36
          float z = sigm(gates[row + n + j] + product[row + n + j]);                        // 8-35
          float hnj = product[row + 2 * n + j] + bias_hn[j];
          float nn = tanhf(gates[row + 2 * n + j] + r * hnj);
          gates[row + j] = r;
          gates[row + n + j] = z;
          gates[row + 2 * n + j] = nn;
          hn[i] = hnj;
          emit(t < lengths[b], (1.0f - z) * hprev[i] + z * nn, hprev, h, out, out_ld, accumulate, i, b, j);  // 8-38
        }
      }

      extern "C" __global__ void gru_reset_after_backward(int t, int batch, int hidden, const int* lengths,
          const float* gates, const float* hn, const float* hprev, const float* dout, int out_ld, const float* carry,
          float* dgates, float* dgh, float* next) {
        int n = hidden;
        GRID_STRIDE(i, (long long) batch * hidden) {
          int b = (int) (i / hidden);
          int j = (int) (i % hidden);
          long long row = (long long) b * 3 * n;
          if (t >= lengths[b]) {
            for (int k = 0; k < 3; k++) {
              dgates[row + k * n + j] = 0.0f;
              dgh[row + k * n + j] = 0.0f;
            }
            next[i] = carry[i];
            continue;
          }
          float dh = dout[(long long) b * out_ld + j] + carry[i];
          float r = gates[row + j];
          float z = gates[row + n + j];
          float nn = gates[row + 2 * n + j];
          float d_n = dh * z * (1.0f - nn * nn);
          float d_z = dh * (nn - hprev[i]) * z * (1.0f - z);
          float d_r = d_n * hn[i] * r * (1.0f - r);
          dgates[row + j] = d_r;
          dgates[row + n + j] = d_z;
          dgates[row + 2 * n + j] = d_n;
          dgh[row + j] = d_r;
          dgh[row + n + j] = d_z;
          dgh[row + 2 * n + j] = d_n * r;
          next[i] = dh * (1.0f - z);
        }
      }
      // CTC (jrnn.layers.Ctc) of sequence b per block, in double and log space: the frames' log
      // softmax, alpha forwards and beta backwards one frame at a time (the threads over the 2U + 1
      // symbols of blank y1 blank y2 ... blank), then each frame's gradient p - occupancy / likelihood.
      __device__ double log_add(double a, double b) {
        const double neg = __longlong_as_double(0xfff0000000000000ULL);
        if (a == neg) return b;
        if (b == neg) return a;
        return fmax(a, b) + log1p(exp(-fabs(a - b)));
      }

      extern "C" __global__ void ctc_loss(const float* logits, int steps, int batch, int classes, int blank,
          const int* frames, const int* labels, const int* starts, const int* counts, int max_labels, double* work,
          float* dlogits) {
        const double neg = __longlong_as_double(0xfff0000000000000ULL);
        int smax = 2 * max_labels + 1;
        double* losses = work + (long long) batch * steps * (classes + 2 * smax);
        for (int b = blockIdx.x; b < batch; b += gridDim.x) {
          int n = frames[b];
          int s_count = 2 * counts[b] + 1;
          const int* lab = labels + starts[b];
          double* logp = work + (long long) b * steps * (classes + 2 * smax);
          double* alpha = logp + (long long) steps * classes;
          double* beta = alpha + (long long) steps * smax;
          for (int t = threadIdx.x; t < n; t += blockDim.x) {
            const float* z = logits + ((long long) t * batch + b) * classes;
            double m = neg;
            for (int k = 0; k < classes; k++) m = fmax(m, (double) z[k]);
            double sum = 0;
            for (int k = 0; k < classes; k++) sum += exp((double) z[k] - m);
            double log_z = m + log(sum);
            for (int k = 0; k < classes; k++) logp[(long long) t * classes + k] = (double) z[k] - log_z;
          }
          __syncthreads();
          for (int i = threadIdx.x; i < s_count; i += blockDim.x) {
            alpha[i] = i < 2 ? logp[i == 0 ? blank : lab[0]] : neg;
          }
          __syncthreads();
          for (int t = 1; t < n; t++) {
            const double* prev = alpha + (long long) (t - 1) * smax;
            for (int i = threadIdx.x; i < s_count; i += blockDim.x) {
              int e = i % 2 == 0 ? blank : lab[i / 2];
              double a = prev[i];
              if (i >= 1) a = log_add(a, prev[i - 1]);
              if (i >= 2 && e != blank && e != lab[i / 2 - 1]) a = log_add(a, prev[i - 2]);
              alpha[(long long) t * smax + i] = a == neg ? neg : a + logp[(long long) t * classes + e];
            }
            __syncthreads();
          }
          int last = n - 1;
          for (int i = threadIdx.x; i < s_count; i += blockDim.x) {
            int e = i % 2 == 0 ? blank : lab[i / 2];
            beta[(long long) last * smax + i] = i >= s_count - 2 ? logp[(long long) last * classes + e] : neg;
          }
          __syncthreads();
          for (int t = last - 1; t >= 0; t--) {
            const double* after = beta + (long long) (t + 1) * smax;
            for (int i = threadIdx.x; i < s_count; i += blockDim.x) {
              int e = i % 2 == 0 ? blank : lab[i / 2];
              double v = after[i];
              if (i + 1 < s_count) v = log_add(v, after[i + 1]);
              if (i + 2 < s_count && e != blank && e != lab[i / 2 + 1]) v = log_add(v, after[i + 2]);
              beta[(long long) t * smax + i] = v == neg ? neg : v + logp[(long long) t * classes + e];
            }
            __syncthreads();
          }
          const double* end = alpha + (long long) last * smax;
          double likelihood = s_count > 1 ? log_add(end[s_count - 1], end[s_count - 2]) : end[s_count - 1];
          if (threadIdx.x == 0) losses[b] = likelihood == neg ? -neg : -likelihood;
          for (int t = threadIdx.x; t < steps; t += blockDim.x) {
            float* d = dlogits + ((long long) t * batch + b) * classes;
            for (int k = 0; k < classes; k++) {
              double g = 0;
              if (t < n && likelihood != neg) {
                double occupancy = neg;
                for (int i = 0; i < s_count; i++) {
                  int e = i % 2 == 0 ? blank : lab[i / 2];
                  double ab = alpha[(long long) t * smax + i] + beta[(long long) t * smax + i];
                  if (e == k && ab != neg) occupancy = log_add(occupancy, ab - logp[(long long) t * classes + k]);
                }
                g = exp(logp[(long long) t * classes + k]) - (occupancy == neg ? 0.0 : exp(occupancy - likelihood));
              }
              d[k] = (float) g;
            }
          }
          __syncthreads();
        }
      }
      // Trainer.adversarialPerturbation: sequence b per block, the norm of its valid rows in double.
      extern "C" __global__ void adversarial(const float* g, int steps, int batch, int width, const int* lengths,
          float eps, float* r) {
        __shared__ double red[256];
        for (int b = blockIdx.x; b < batch; b += gridDim.x) {
          int len = lengths[b];
          double s = 0;
          for (long long i = threadIdx.x; i < (long long) len * width; i += blockDim.x) {
            double v = g[((i / width) * batch + b) * width + i % width];
            s += v * v;
          }
          double squares = block_sum(s, red);
          double scale = squares > 0 ? eps / sqrt(squares) : 0.0;
          for (long long i = threadIdx.x; i < (long long) steps * width; i += blockDim.x) {
            long long at = ((i / width) * batch + b) * width + i % width;
            r[at] = i / width < len ? (float) (scale * g[at]) : 0.0f;
          }
          __syncthreads();
        }
      }

      extern "C" __global__ void copy_rows(float* dst, int dstLd, const float* src, int srcLd, int rows, int cols) {
        GRID_STRIDE(i, (long long) rows * cols) {
          long long r = i / cols;
          dst[r * dstLd + i % cols] = src[r * srcLd + i % cols];
        }
      }

      // A block per row: the row's max, then the sum of exp(x - max) in double, then x - (log sum + max).
      extern "C" __global__ void log_softmax(float* x, int rows, int classes) {
        __shared__ double red[256];
        __shared__ float top[256];
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
          float* row = x + r * classes;
          float m = __int_as_float(0xff800000);
          for (int c = threadIdx.x; c < classes; c += blockDim.x) m = fmaxf(m, row[c]);
          top[threadIdx.x] = m;
          __syncthreads();
          for (int k = blockDim.x / 2; k > 0; k >>= 1) {
            if (threadIdx.x < k) top[threadIdx.x] = fmaxf(top[threadIdx.x], top[threadIdx.x + k]);
            __syncthreads();
          }
          float max = top[0];
          double s = 0;
          for (int c = threadIdx.x; c < classes; c += blockDim.x) s += exp((double) (row[c] - max));
          float logZ = (float) (log(block_sum(s, red)) + max);
          for (int c = threadIdx.x; c < classes; c += blockDim.x) row[c] -= logZ;
          __syncthreads();
        }
      }

      // A block per row, k rounds: round j takes the largest value after round j-1's in the order
      // (value descending, index ascending), so that no list of what was taken is kept. NaN is never
      // eligible; a row out of values ends with index -1 and -Infinity. As BeamSearch.topOfRows.
      extern "C" __global__ void top_of_rows(const float* x, int rows, int classes, int k, int* words,
          float* values) {
        __shared__ float bestValue[256];
        __shared__ int bestWord[256];
        for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
          const float* row = x + r * classes;
          float lastValue = __int_as_float(0x7f800000);
          int lastWord = -1;
          for (int j = 0; j < k; j++) {
            float v = 0.0f;
            int w = -1;
            for (int c = threadIdx.x; c < classes; c += blockDim.x) {
              float y = row[c];
              bool after = y < lastValue || (y == lastValue && c > lastWord);
              if (after && (w < 0 || y > v)) {
                v = y;
                w = c;
              }
            }
            bestValue[threadIdx.x] = v;
            bestWord[threadIdx.x] = w;
            __syncthreads();
            for (int half = blockDim.x / 2; half > 0; half >>= 1) {
              if (threadIdx.x < half) {
                float ov = bestValue[threadIdx.x + half];
                int ow = bestWord[threadIdx.x + half];
                int mw = bestWord[threadIdx.x];
                if (ow >= 0 && (mw < 0 || ov > bestValue[threadIdx.x] || (ov == bestValue[threadIdx.x] && ow < mw))) {
                  bestValue[threadIdx.x] = ov;
                  bestWord[threadIdx.x] = ow;
                }
              }
              __syncthreads();
            }
            lastValue = bestValue[0];
            lastWord = bestWord[0];
            if (threadIdx.x == 0) {
              words[r * k + j] = lastWord;
              values[r * k + j] = lastWord < 0 ? __int_as_float(0xff800000) : lastValue;
            }
            // Every thread has read the round's choice before the next round writes over it.
            __syncthreads();
            if (lastWord < 0) {
              for (int rest = j + 1 + threadIdx.x; rest < k; rest += blockDim.x) {
                words[r * k + rest] = -1;
                values[r * k + rest] = __int_as_float(0xff800000);
              }
              break;
            }
          }
        }
      }

      extern "C" __global__ void tanh_inplace(float* a, long long n) {
        GRID_STRIDE(i, n) {
          a[i] = tanhf(a[i]);
        }
      }

      extern "C" __global__ void tanh_backward(float* d, const float* y, long long n) {
        GRID_STRIDE(i, n) {
          d[i] *= 1.0f - y[i] * y[i];
        }
      }

      extern "C" __global__ void smooth_labels(float* dlogits, int rows, int classes, const int* targets,
          const int* valid, float eps) {
        float spread = eps / classes;
        GRID_STRIDE(i, (long long) rows * classes) {
          long long r = i / classes;
          if (valid[r]) {
            float x = dlogits[i] - spread;
            dlogits[i] = i % classes == targets[r] ? x + eps : x;
          }
        }
      }

      // Attention's step (jrnn.layers.Attention): sequence b per block; each score a block sum in double.
      extern "C" __global__ void attention_forward(int additive, const float* keys, const float* query, const float* v,
          int width, const float* enc, int steps, int batch, int esize, const int* lengths, float* hidden,
          float* alpha, float* context) {
        __shared__ double red[256];
        __shared__ double stats[2];
        for (int b = blockIdx.x; b < batch; b += gridDim.x) {
          int len = lengths[b];
          for (int s = 0; s < steps; s++) {
            long long r = (long long) s * batch + b;
            double acc = 0;
            if (additive) {
              for (int k = threadIdx.x; k < width; k += blockDim.x) {
                float u = s < len ? tanhf(keys[r * width + k] + query[(long long) b * width + k]) : 0.0f;
                hidden[r * width + k] = u;
                acc += (double) v[k] * u;
              }
            } else if (s < len) {
              for (int j = threadIdx.x; j < esize; j += blockDim.x) {
                acc += (double) query[(long long) b * esize + j] * enc[r * esize + j];
              }
            }
            if (s < len) {
              double e = block_sum(acc, red);
              if (threadIdx.x == 0) alpha[r] = (float) e;
              __syncthreads();
            }
          }
          if (threadIdx.x == 0) {
            double max = len > 0 ? alpha[b] : 0.0;
            for (int s = 1; s < len; s++) max = fmax(max, (double) alpha[(long long) s * batch + b]);
            double total = 0;
            for (int s = 0; s < len; s++) total += exp(alpha[(long long) s * batch + b] - max);
            stats[0] = max;
            stats[1] = total;
          }
          __syncthreads();
          for (int s = threadIdx.x; s < steps; s += blockDim.x) {
            long long r = (long long) s * batch + b;
            alpha[r] = s < len ? (float) (exp(alpha[r] - stats[0]) / stats[1]) : 0.0f;
          }
          __syncthreads();
          for (int j = threadIdx.x; j < esize; j += blockDim.x) {
            double c = 0;
            for (int s = 0; s < len; s++) {
              long long r = (long long) s * batch + b;
              c += (double) alpha[r] * enc[r * esize + j];
            }
            context[(long long) b * esize + j] = (float) c;
          }
          __syncthreads();
        }
      }

      extern "C" __global__ void attention_backward(int additive, const float* alpha, const float* hidden,
          const float* query, const float* v, int width, const float* enc, int steps, int batch, int esize,
          const int* lengths, const float* dcontext, float* de, float* denc, float* gkeys, float* dquery) {
        __shared__ double red[256];
        __shared__ double mean;
        for (int b = blockIdx.x; b < batch; b += gridDim.x) {
          int len = lengths[b];
          const float* dc = dcontext + (long long) b * esize;
          double m = 0;
          // dalpha_s = dc . h_s (kept in de until the mean is known); dh_s += alpha_s dc.
          for (int s = 0; s < len; s++) {
            long long r = (long long) s * batch + b;
            double acc = 0;
            for (int j = threadIdx.x; j < esize; j += blockDim.x) {
              acc += (double) dc[j] * enc[r * esize + j];
              denc[r * esize + j] += alpha[r] * dc[j];
            }
            float dAlpha = (float) block_sum(acc, red);
            m += (double) alpha[r] * dAlpha;
            if (threadIdx.x == 0) de[r] = dAlpha;
            __syncthreads();
          }
          if (threadIdx.x == 0) mean = m;
          __syncthreads();
          for (int s = threadIdx.x; s < steps; s += blockDim.x) {
            long long r = (long long) s * batch + b;
            de[r] = s < len ? (float) (alpha[r] * (de[r] - mean)) : 0.0f;
          }
          __syncthreads();
          if (additive) {
            for (int k = threadIdx.x; k < width; k += blockDim.x) {
              double dq = 0;
              for (int s = 0; s < len; s++) {
                long long r = (long long) s * batch + b;
                float u = hidden[r * width + k];
                float dPre = de[r] * v[k] * (1.0f - u * u);
                gkeys[r * width + k] += dPre;
                dq += dPre;
              }
              dquery[(long long) b * width + k] = (float) dq;
            }
          } else {
            for (int j = threadIdx.x; j < esize; j += blockDim.x) {
              double dp = 0;
              for (int s = 0; s < len; s++) {
                long long r = (long long) s * batch + b;
                dp += (double) de[r] * enc[r * esize + j];
                denc[r * esize + j] += de[r] * query[(long long) b * esize + j];
              }
              dquery[(long long) b * esize + j] = (float) dp;
            }
          }
          __syncthreads();
        }
      }
      """;

  private static final int THREADS = 256;
  /** A null device pointer argument. */
  private static final Object NULL = new Object();
  /**
   * Each kernel's parameters as {@link #arguments} checks them, read from {@link #SOURCE}: 'p' a
   * pointer, 'i' an int, 'l' a (unsigned) long long, 'f' a float.
   */
  static final Map<String, String> SIGNATURES = signatures(SOURCE);

  /** Starts a kernel on {@code grid} blocks of {@code threads} with its packed arguments. */
  interface Launcher {
    void launch(String name, int grid, int threads, PointerPointer<Pointer> arguments);
  }

  private final Cuda cuda;
  private final Launcher launcher;

  record CudaFloats(FloatPointer p, long size) implements Floats {}

  record CudaInts(IntPointer p, int size) implements Ints {}

  /** A device double that sum_of_squares adds into. */
  private final DoublePointer sum;
  /** The most arguments a kernel takes: {@link #SIGNATURES}' longest. */
  private static final int MOST_ARGUMENTS = SIGNATURES.values().stream().mapToInt(String::length).max().orElse(0);
  /** A launch's arguments, an 8-byte slot each (host memory), and the pointers to the slots that cuLaunchKernel takes. */
  private final LongPointer slots = new LongPointer(MOST_ARGUMENTS);
  private final PointerPointer<Pointer> slotPointers = new PointerPointer<>(MOST_ARGUMENTS);
  /** cuBLAS's alpha and beta, read on the host when a product is queued. */
  private final FloatPointer alpha = new FloatPointer(1);
  private final FloatPointer beta = new FloatPointer(1);

  {
    for (int i = 0; i < MOST_ARGUMENTS; i++) {
      slotPointers.put(i, slots.getPointer(i));
    }
  }

  CudaOps(Cuda cuda) {
    this.cuda = cuda;
    cuda.bindThread();
    CUmod_st module = compile(cuda);
    Map<String, CUfunc_st> functions = new HashMap<>();
    for (String name : SIGNATURES.keySet()) {
      CUfunc_st f = new CUfunc_st();
      checkDriver(cudart.cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
      functions.put(name, f);
    }
    // Allocated last: a failure to compile or to find a kernel leaves nothing allocated.
    sum = new DoublePointer();
    check(cudart.cudaMalloc(sum, 8), "cudaMalloc of a sum");
    launcher = (name, grid, threads, arguments) -> {
      cuda.bindThread();
      checkDriver(cudart.cuLaunchKernel(functions.get(name), grid, 1, 1, threads, 1, 1, 0, null, arguments,
          (PointerPointer<?>) null), "cuLaunchKernel(" + name + ")");
    };
  }

  /**
   * Ops whose kernels go to {@code launcher} rather than the device (tests of the arguments on a
   * machine without one); {@code sum}, in host memory, stands for the device's. Only the
   * operations that launch kernels (and {@link #addSquares}) may be called on it: the others call
   * CUDA's runtime or cuBLAS.
   */
  CudaOps(Launcher launcher, DoublePointer sum) {
    this.cuda = null;
    this.launcher = launcher;
    this.sum = sum;
  }

  /** The parameter kinds of each {@code extern "C" __global__} function in {@code source}. */
  static Map<String, String> signatures(String source) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(([^)]*)\\)").matcher(source);
    while (m.find()) {
      StringBuilder kinds = new StringBuilder();
      for (String param : m.group(2).split(",")) {
        String type = param.trim().replaceAll("\\s+", " ");
        type = type.substring(0, type.lastIndexOf(' ')).trim();
        kinds.append(type.endsWith("*") ? 'p' : switch (type) {
          case "int" -> 'i';
          case "long long", "unsigned long long" -> 'l';
          case "float" -> 'f';
          default -> throw new IllegalStateException("kernel " + m.group(1) + ": no argument kind for a " + type);
        });
      }
      out.put(m.group(1), kinds.toString());
    }
    return out;
  }

  /**
   * Compiles {@link #SOURCE} with NVRTC into machine code for the device's architecture (sm_XY,
   * a CUBIN, so that the driver has nothing to compile: PTX from an NVRTC newer than the driver
   * would not load) and loads it.
   */
  private static CUmod_st compile(Cuda cuda) {
    try {
      Loader.load(nvrtc.class);
    } catch (LinkageError e) {
      throw new IllegalStateException("NVRTC (libnvrtc.so.13), which compiles jrnn's kernels for the GPU, could not be"
          + " loaded (" + e + "); put its directory on LD_LIBRARY_PATH (docs/gpu.md)", e);
    }
    _nvrtcProgram program = new _nvrtcProgram();
    checkNvrtc(nvrtc.nvrtcCreateProgram(program, new BytePointer(SOURCE), new BytePointer("jrnn_kernels.cu"), 0,
        (PointerPointer<?>) null, (PointerPointer<?>) null), "nvrtcCreateProgram");
    try {
      String arch = "--gpu-architecture=sm_" + cuda.computeCapability;
      PointerPointer<BytePointer> options = new PointerPointer<>(new BytePointer(arch), new BytePointer("--std=c++17"));
      int rc = nvrtc.nvrtcCompileProgram(program, 2, options);
      if (rc != nvrtc.NVRTC_SUCCESS) {
        SizeTPointer logSize = new SizeTPointer(1);
        nvrtc.nvrtcGetProgramLogSize(program, logSize);
        BytePointer log = new BytePointer(logSize.get());
        nvrtc.nvrtcGetProgramLog(program, log);
        throw new IllegalStateException("NVRTC " + nvrtcVersion() + " could not compile jrnn's kernels for " + arch
            + ": " + nvrtc.nvrtcGetErrorString(rc).getString() + "\n" + log.getString());
      }
      SizeTPointer cubinSize = new SizeTPointer(1);
      checkNvrtc(nvrtc.nvrtcGetCUBINSize(program, cubinSize), "nvrtcGetCUBINSize");
      BytePointer cubin = new BytePointer(cubinSize.get());
      checkNvrtc(nvrtc.nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN");
      CUmod_st module = new CUmod_st();
      checkDriver(cudart.cuModuleLoadData(module, cubin), "cuModuleLoadData of jrnn's kernels (NVRTC " + nvrtcVersion()
          + ", " + arch + ")");
      return module;
    } finally {
      nvrtc.nvrtcDestroyProgram(program);
    }
  }

  /** NVRTC's version, "major.minor". */
  private static String nvrtcVersion() {
    int[] major = new int[1];
    int[] minor = new int[1];
    return nvrtc.nvrtcVersion(major, minor) == nvrtc.NVRTC_SUCCESS ? major[0] + "." + minor[0] : "(version unknown)";
  }

  private static void checkNvrtc(int rc, String call) {
    if (rc != nvrtc.NVRTC_SUCCESS) {
      throw new IllegalStateException("NVRTC: " + call + " failed: " + nvrtc.nvrtcGetErrorString(rc).getString());
    }
  }

  static void checkDriver(int rc, String call) {
    if (rc != 0) {
      PointerPointer<BytePointer> text = new PointerPointer<>(1);
      String words = cudart.cuGetErrorString(rc, text) == 0 && !text.get(0).isNull()
          ? text.get(BytePointer.class, 0).getString() : "unknown error";
      throw new IllegalStateException("CUDA driver: " + call + " failed: " + words + " (" + rc + ")");
    }
  }

  private static FloatPointer p(Floats f) {
    return ((CudaFloats) f).p();
  }

  private static IntPointer p(Ints i) {
    return ((CudaInts) i).p();
  }

  @Override
  public Floats floats(long n, String what) {
    return new CudaFloats(Cuda.allocateFloats(n, what), n);
  }

  @Override
  public Ints ints(int n, String what) {
    IntPointer p = new IntPointer();
    check(cudart.cudaMalloc(p, 4L * Math.max(1, n)), "cudaMalloc of " + n + " ints for " + what);
    return new CudaInts(p, n);
  }

  @Override
  public void free(Object buffer) {
    if (buffer instanceof CudaFloats f) {
      Cuda.free(f.p());
    } else if (buffer instanceof CudaInts i) {
      Cuda.free(i.p());
    }
  }

  @Override
  public void upload(Floats dst, Tensor src, long n) {
    fits(n, src.size(), dst.size(), "upload");
    check(cudaMemcpy(p(dst), new Pointer(src.bytes()), 4 * n, cudaMemcpyHostToDevice), "upload of " + n + " floats");
  }

  @Override
  public void download(Tensor dst, Floats src, long n) {
    fits(n, src.size(), dst.size(), "download");
    check(cudaMemcpy(new Pointer(dst.bytes()), p(src), 4 * n, cudaMemcpyDeviceToHost), "download of " + n + " floats");
  }

  /** A copy of n floats past either end would read or write memory that is not the buffers': refused. */
  private static void fits(long n, long from, long to, String what) {
    if (n < 0 || n > from || n > to) {
      throw new IllegalArgumentException("CudaOps: " + what + " of " + n + " values between buffers of " + from
          + " and " + to);
    }
  }

  @Override
  public void upload(Ints dst, int[] src) {
    fits(src.length, src.length, dst.size(), "upload");
    IntPointer host = new IntPointer(src);
    try {
      check(cudaMemcpy(p(dst), host, 4L * src.length, cudaMemcpyHostToDevice), "upload of " + src.length + " ints");
    } finally {
      host.close();
    }
  }

  @Override
  public void download(int[] dst, Ints src, int n) {
    fits(n, src.size(), dst.length, "download");
    IntPointer host = new IntPointer(n);
    try {
      check(cudaMemcpy(host, p(src), 4L * n, cudaMemcpyDeviceToHost), "download of " + n + " ints");
      host.get(dst, 0, n);
    } finally {
      host.close();
    }
  }

  @Override
  public void copy(Floats dst, Floats src, long n) {
    check(cudaMemcpy(p(dst), p(src), 4 * n, cudart.cudaMemcpyDeviceToDevice), "device copy of " + n + " floats");
  }

  @Override
  public void zero(Floats b, long n) {
    check(cudaMemset(p(b), 0, 4 * n), "cudaMemset");
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Floats a, int lda,
      Floats b, int ldb, float beta, Floats c, int ldc) {
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the operands swap. In cuBLAS's
    // host pointer mode alpha and beta are read before the call returns: one pair serves every call.
    // The handle is the device's, used by one call at a time, as cuDNN's is.
    synchronized (cuda) {
      this.alpha.put(alpha);
      this.beta.put(beta);
      checkCublas(cublasSgemm_v2(cuda.cublasHandle, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
          n, m, k, this.alpha, p(b), ldb, p(a), lda, this.beta, p(c), ldc), "cublasSgemm");
    }
  }

  /** Launches {@code name} on {@code grid} blocks of {@code threads} with its arguments in order. */
  private synchronized void launch(String name, long grid, int threads, Object... args) {
    pack(slots, name, args);
    launcher.launch(name, (int) Math.max(1, Math.min(grid, Integer.MAX_VALUE)), threads, slotPointers);
  }

  /**
   * Writes {@code args} into {@code slots}, one 8-byte slot each, as the driver reads a kernel's
   * arguments (a pointer or long long in the slot, an int or float in its first 4 bytes, which
   * is its low half on the little-endian hosts CUDA runs on), after checking them against
   * {@code name}'s parameters in {@link #SIGNATURES}: a value of the wrong kind would be read as
   * another type, or past its end, without a word. The slots are written anew for each launch:
   * cuLaunchKernel has copied them when it returns, so no launch allocates memory of its own.
   */
  static void pack(LongPointer slots, String name, Object... args) {
    String kinds = SIGNATURES.get(name);
    if (kinds == null) {
      throw new IllegalArgumentException("no kernel " + name + " in CudaOps.SOURCE");
    }
    if (kinds.length() != args.length) {
      throw new IllegalArgumentException("kernel " + name + " takes " + kinds.length() + " arguments, given "
          + args.length);
    }
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      char kind = kinds.charAt(i);
      char given = a == NULL || a instanceof CudaFloats || a instanceof CudaInts || a instanceof Pointer ? 'p'
          : a instanceof Integer ? 'i' : a instanceof Long ? 'l' : a instanceof Float ? 'f' : '?';
      if (given != kind) {
        throw new IllegalArgumentException("kernel " + name + ": argument " + i + " ("
            + (a == null ? "null" : a.getClass().getSimpleName()) + ") does not fit its parameter, a " + switch (kind) {
              case 'p' -> "pointer";
              case 'i' -> "int";
              case 'l' -> "long long";
              default -> "float";
            });
      }
      // A buffer whose memory was freed (Cuda.free nulls its pointer) would reach the kernel as address 0.
      if (a instanceof CudaFloats f && f.p().isNull() || a instanceof CudaInts v && v.p().isNull()) {
        throw new IllegalStateException("kernel " + name + ": argument " + i + " is a buffer whose device memory was"
            + " freed");
      }
      slots.put(i, a == NULL ? 0L
          : a instanceof CudaFloats f ? f.p().address()
          : a instanceof CudaInts v ? v.p().address()
          : a instanceof Pointer q ? q.address()
          : a instanceof Integer v ? v & 0xFFFFFFFFL
          : a instanceof Long v ? v
          : Float.floatToRawIntBits((Float) a) & 0xFFFFFFFFL);
    }
  }

  private static long blocksFor(long n) {
    return Math.min((n + THREADS - 1) / THREADS, 8192);
  }

  @Override
  public void gatherRows(Floats table, int width, Ints ids, int rows, Floats out) {
    launch("gather_rows", blocksFor((long) rows * width), THREADS, table, width, ids, rows, out);
  }

  @Override
  public void scatterAddRows(Floats table, int width, Ints ids, int rows, Floats in) {
    launch("scatter_add_rows", blocksFor((long) rows * width), THREADS, table, width, ids, rows, in);
  }

  @Override
  public void poolForward(int kind, Floats y, int steps, int batch, int width, int split, Ints lengths, Floats out,
      Ints argmax) {
    launch("pool_forward", blocksFor((long) batch * width), THREADS, kind, y, steps, batch, width, split, lengths, out,
        argmax);
  }

  @Override
  public void poolBackward(int kind, Floats dOut, int steps, int batch, int width, int split, Ints lengths,
      Ints argmax, Floats dy) {
    launch("pool_backward", blocksFor((long) steps * batch * width), THREADS, kind, dOut, steps, batch, width, split,
        lengths, argmax, dy);
  }

  @Override
  public void addToRows(Floats m, int rows, int cols, Floats v) {
    launch("add_to_rows", blocksFor((long) rows * cols), THREADS, m, rows, cols, v);
  }

  @Override
  public void addColumnSums(Floats m, int rows, int cols, float scale, Floats out) {
    launch("add_column_sums", (cols + THREADS - 1) / THREADS, THREADS, m, rows, cols, scale, out);
  }

  @Override
  public void dropoutMask(Floats mask, long n, float p, long seed) {
    launch("dropout_mask", blocksFor(n), THREADS, mask, n, p, seed);
  }

  @Override
  public void multiply(Floats a, Floats m, long n) {
    launch("multiply", blocksFor(n), THREADS, a, m, n);
  }

  @Override
  public void softmaxCrossEntropy(Floats logits, int rows, int classes, Ints targets, Ints valid, Floats loss,
      Floats correct, Floats dLogits) {
    launch("softmax_xent", rows, THREADS, logits, rows, classes, targets, valid, loss, correct, orNull(dLogits));
  }

  /** One device sum serves every call: concurrent ones wait their turn. */
  @Override
  public synchronized double sumOfSquares(Floats[] a, long[] n) {
    check(cudaMemset(sum, 0, 8), "cudaMemset");
    for (int k = 0; k < a.length; k++) {
      addSquares(a[k], n[k]);
    }
    double[] host = new double[1];
    try (DoublePointer h = new DoublePointer(1)) {
      check(cudaMemcpy(h, sum, 8, cudaMemcpyDeviceToHost), "download of a sum");
      h.get(host);
    }
    return host[0];
  }

  /** Adds the squares of {@code a}'s first {@code n} values to the device sum. */
  void addSquares(Floats a, long n) {
    launch("sum_of_squares", blocksFor(n), THREADS, a, n, sum);
  }

  @Override
  public void scale(Floats a, long n, float s) {
    launch("scale", blocksFor(n), THREADS, a, n, s);
  }

  @Override
  public void clamp(Floats a, long n, float limit) {
    launch("clamp", blocksFor(n), THREADS, a, n, limit);
  }

  @Override
  public void axpy(Floats y, float alpha, Floats x, Floats mask, long n) {
    launch("axpy", blocksFor(n), THREADS, y, alpha, x, orNull(mask), n);
  }

  @Override
  public void momentumStep(Floats w, Floats g, Floats v, long n, float lr, float mu, boolean nesterov) {
    launch("momentum_step", blocksFor(n), THREADS, w, g, v, n, lr, mu, nesterov ? 1 : 0);
  }

  @Override
  public void adamStep(Floats w, Floats g, Floats m, Floats v, long n, float a, float b1, float b2, float eHat) {
    launch("adam_step", blocksFor(n), THREADS, w, g, m, v, n, a, b1, b2, eHat);
  }

  @Override
  public Floats slice(Floats f, long offset, long n) {
    if (offset < 0 || n < 0 || offset + n > f.size()) {
      throw new IllegalArgumentException("slice [" + offset + ", " + (offset + n) + ") of a buffer of " + f.size()
          + " floats");
    }
    return new CudaFloats(p(f).getPointer(offset), n);
  }

  @Override
  public void addColumnDots(Floats a, int lda, Floats b, int ldb, int rows, int n, Floats out) {
    launch("add_column_dots", (n + THREADS - 1) / THREADS, THREADS, a, lda, b, ldb, rows, n, out);
  }

  private static int code(Activation f) {
    return switch (f) {
      case TANH -> 0;
      case SIGMOID -> 1;
      case RELU -> 2;
    };
  }

  private static Object orNull(Floats f) {
    return f == null ? NULL : f;
  }

  private static long units(Step s) {
    return blocksFor((long) s.batch() * s.hidden());
  }

  @Override
  public void rnnForwardStep(Activation f, Step s, Floats gates, Floats product, Floats hPrev, Floats h, Floats out,
      int outLd, boolean accumulate) {
    launch("rnn_forward", units(s), THREADS, code(f), s.t(), s.batch(), s.hidden(), s.lengths(), gates, product, hPrev,
        h, out, outLd, accumulate ? 1 : 0);
  }

  @Override
  public void rnnBackwardStep(Activation f, Step s, Floats gates, Floats dOut, int outLd, Floats carry, Floats dGates,
      Floats next) {
    launch("rnn_backward", units(s), THREADS, code(f), s.t(), s.batch(), s.hidden(), s.lengths(), gates, dOut, outLd,
        carry, dGates, next);
  }

  @Override
  public void lstmForwardStep(boolean coupled, Floats peepI, Floats peepF, Floats peepO, Step s, Floats gates,
      Floats product, Floats cPrev, Floats c, Floats tanhC, Floats hPrev, Floats h, Floats out, int outLd,
      boolean accumulate) {
    launch("lstm_forward", units(s), THREADS, coupled ? 1 : 0, orNull(peepI), orNull(peepF), orNull(peepO), s.t(),
        s.batch(), s.hidden(), s.lengths(), gates, product, cPrev, c, tanhC, hPrev, h, out, outLd, accumulate ? 1 : 0);
  }

  @Override
  public void lstmBackwardStep(boolean coupled, Floats peepI, Floats peepF, Floats peepO, Step s, Floats gates,
      Floats cPrev, Floats tanhC, Floats dOut, int outLd, Floats carry, Floats dc, Floats dGates, Floats next) {
    launch("lstm_backward", units(s), THREADS, coupled ? 1 : 0, orNull(peepI), orNull(peepF), orNull(peepO), s.t(),
        s.batch(), s.hidden(), s.lengths(), gates, cPrev, tanhC, dOut, outLd, carry, dc, dGates, next);
  }

  @Override
  public void gruGatesStep(Step s, Floats gates, Floats product, Floats hPrev, Floats rh) {
    launch("gru_gates", units(s), THREADS, s.batch(), s.hidden(), gates, product, hPrev, rh);
  }

  @Override
  public void gruCandidateStep(Step s, Floats gates, Floats product, Floats hPrev, Floats h, Floats out, int outLd,
      boolean accumulate) {
    launch("gru_candidate", units(s), THREADS, s.t(), s.batch(), s.hidden(), s.lengths(), gates, product, hPrev, h,
        out, outLd, accumulate ? 1 : 0);
  }

  @Override
  public void gruCandidateBackwardStep(Step s, Floats gates, Floats hPrev, Floats dOut, int outLd, Floats carry,
      Floats dGates, Floats next) {
    launch("gru_candidate_backward", units(s), THREADS, s.t(), s.batch(), s.hidden(), s.lengths(), gates, hPrev, dOut,
        outLd, carry, dGates, next);
  }

  @Override
  public void gruResetBackwardStep(Step s, Floats gates, Floats hPrev, Floats dRh, Floats dGates, Floats next) {
    launch("gru_reset_backward", units(s), THREADS, s.t(), s.batch(), s.hidden(), s.lengths(), gates, hPrev, dRh,
        dGates, next);
  }

  @Override
  public void gruResetAfterForwardStep(Step s, Floats gates, Floats product, Floats biasHn, Floats hn, Floats hPrev,
      Floats h, Floats out, int outLd, boolean accumulate) {
    launch("gru_reset_after_forward", units(s), THREADS, s.t(), s.batch(), s.hidden(), s.lengths(), gates, product,
        biasHn, hn, hPrev, h, out, outLd, accumulate ? 1 : 0);
  }

  @Override
  public void gruResetAfterBackwardStep(Step s, Floats gates, Floats hn, Floats hPrev, Floats dOut, int outLd,
      Floats carry, Floats dGates, Floats dGh, Floats next) {
    launch("gru_reset_after_backward", units(s), THREADS, s.t(), s.batch(), s.hidden(), s.lengths(), gates, hn, hPrev,
        dOut, outLd, carry, dGates, dGh, next);
  }

  /** {@link #ctc}'s kernel: one block per sequence. */
  void launchCtc(Floats logits, int steps, int batch, int classes, int blank, Ints frames, Ints labels, Ints starts,
      Ints counts, int maxLabels, Floats work, Floats dLogits) {
    launch("ctc_loss", batch, 128, logits, steps, batch, classes, blank, frames, labels, starts, counts, maxLabels, work,
        dLogits);
  }

  @Override
  public double[] ctc(Floats logits, int steps, int batch, int classes, int blank, Ints frames, Ints labels, Ints starts,
      Ints counts, int maxLabels, Floats work, Floats dLogits) {
    launchCtc(logits, steps, batch, classes, blank, frames, labels, starts, counts, maxLabels, work, dLogits);
    long at = Ops.ctcWork(steps, batch, classes, maxLabels) - 2L * batch;
    double[] losses = new double[batch];
    try (DoublePointer host = new DoublePointer(batch)) {
      check(cudaMemcpy(host, p(work).getPointer(at), 8L * batch, cudaMemcpyDeviceToHost), "download of CTC's losses");
      host.get(losses);
    }
    return losses;
  }

  @Override
  public void adversarialPerturbation(Floats g, int steps, int batch, int width, Ints lengths, float eps, Floats r) {
    launch("adversarial", batch, THREADS, g, steps, batch, width, lengths, eps, r);
  }

  @Override
  public void copyRows(Floats dst, int dstLd, Floats src, int srcLd, int rows, int cols) {
    launch("copy_rows", blocksFor((long) rows * cols), THREADS, dst, dstLd, src, srcLd, rows, cols);
  }

  @Override
  public void logSoftmax(Floats x, int rows, int classes) {
    launch("log_softmax", rows, THREADS, x, rows, classes);
  }

  @Override
  public void topOfRows(Floats x, int rows, int classes, int k, Ints words, Floats values) {
    if (k < 1 || (long) rows * classes > x.size() || (long) rows * k > words.size() || (long) rows * k > values.size()) {
      throw new IllegalArgumentException("CudaOps.topOfRows: " + rows + " rows of " + classes + " in " + x.size()
          + " floats, their " + k + " largest into " + words.size() + " ints and " + values.size() + " floats");
    }
    launch("top_of_rows", rows, THREADS, x, rows, classes, k, words, values);
  }

  @Override
  public void tanh(Floats a, long n) {
    launch("tanh_inplace", blocksFor(n), THREADS, a, n);
  }

  @Override
  public void tanhBackward(Floats d, Floats y, long n) {
    launch("tanh_backward", blocksFor(n), THREADS, d, y, n);
  }

  @Override
  public void smoothLabels(Floats dLogits, int rows, int classes, Ints targets, Ints valid, float eps) {
    launch("smooth_labels", blocksFor((long) rows * classes), THREADS, dLogits, rows, classes, targets, valid, eps);
  }

  @Override
  public void attentionForward(boolean additive, Floats keys, Floats query, Floats v, int width, Floats encoder,
      int steps, int batch, int encoderSize, Ints lengths, Floats hidden, Floats alpha, Floats context) {
    launch("attention_forward", batch, THREADS, additive ? 1 : 0, orNull(keys), query, orNull(v), width, encoder, steps,
        batch, encoderSize, lengths, orNull(hidden), alpha, context);
  }

  @Override
  public void attentionBackward(boolean additive, Floats alpha, Floats hidden, Floats query, Floats v, int width,
      Floats encoder, int steps, int batch, int encoderSize, Ints lengths, Floats dContext, Floats de,
      Floats dEncoder, Floats gKeys, Floats dQuery) {
    launch("attention_backward", batch, THREADS, additive ? 1 : 0, alpha, orNull(hidden), orNull(query), orNull(v),
        width, encoder, steps, batch, encoderSize, lengths, dContext, de, dEncoder, orNull(gKeys), dQuery);
  }

  @Override
  public void synchronize() {
    Cuda.synchronize("jrnn's kernels");
  }

  @Override
  public void close() {
    // The module lives as long as the process's context.
  }
}
