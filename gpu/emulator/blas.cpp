// cuBLAS's calls that jrnn makes, on the host: the handle, its math mode, and sgemm in column
// major (cuBLAS's layout), op(A) m x k, op(B) k x n, C m x n, alpha and beta read from the host.
#include <cstddef>

extern "C" {
int cublasCreate_v2(void** handle) {
  *handle = reinterpret_cast<void*>(0x3000);
  return 0;
}
int cublasDestroy_v2(void*) { return 0; }
int cublasSetMathMode(void*, int) { return 0; }
const char* cublasGetStatusString(int) { return "an error of the emulated cuBLAS (a call it does not implement)"; }

int cublasSgemm_v2(void*, int transa, int transb, int m, int n, int k, const float* alpha, const float* a, int lda,
                   const float* b, int ldb, const float* beta, float* c, int ldc) {
  if (m < 0 || n < 0 || k < 0 || lda < (transa ? k : m) || ldb < (transb ? n : k) || ldc < m || lda < 1 || ldb < 1
      || ldc < 1) {
    return 7;  // CUBLAS_STATUS_INVALID_VALUE, as cuBLAS checks its arguments
  }
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < m; i++) {
      float sum = 0;
      for (int p = 0; p < k; p++) {
        float x = transa ? a[p + (size_t) i * lda] : a[i + (size_t) p * lda];
        float y = transb ? b[j + (size_t) p * ldb] : b[p + (size_t) j * ldb];
        sum += x * y;
      }
      float* out = &c[i + (size_t) j * ldc];
      // beta 0: C is written, not read (it may hold anything, NaN included), as cuBLAS does.
      *out = *beta == 0 ? *alpha * sum : *alpha * sum + *beta * *out;
    }
  }
  return 0;
}
}
