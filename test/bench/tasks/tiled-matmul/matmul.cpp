// Tiled matrix multiply benchmark: c += a · b for n × n row-major float matrices.
// Genesis evolves matmul(); the tile sizes are the knobs, written as powers of two so that a
// one-step change of an exponent halves or doubles a tile. No #include on purpose: the
// evaluator compiles this file on its own (fast) and links it with a prebuilt harness.

void matmul(const float* a, const float* b, float* c, int n) {
    const int tileI = 1 << 3;
    const int tileK = 1 << 3;
    const int tileJ = 1 << 3;
    for (int ii = 0; ii < n; ii += tileI) {
        const int iEnd = ii + tileI < n ? ii + tileI : n;
        for (int kk = 0; kk < n; kk += tileK) {
            const int kEnd = kk + tileK < n ? kk + tileK : n;
            for (int jj = 0; jj < n; jj += tileJ) {
                const int jEnd = jj + tileJ < n ? jj + tileJ : n;
                for (int i = ii; i < iEnd; ++i) {
                    for (int k = kk; k < kEnd; ++k) {
                        const float aik = a[i * n + k];
                        for (int j = jj; j < jEnd; ++j) c[i * n + j] += aik * b[k * n + j];
                    }
                }
            }
        }
    }
}
