// A tiny workspace for the Genesis demo: a blocked matrix transpose with a tunable block size.
#include "transpose.hpp"

#include <algorithm>

void transpose(const float* in, float* out, int n) {
    const int block = 4;
    for (int ib = 0; ib < n; ib += block) {
        for (int jb = 0; jb < n; jb += block) {
            const int iEnd = std::min(ib + block, n);
            const int jEnd = std::min(jb + block, n);
            for (int i = ib; i < iEnd; ++i) {
                for (int j = jb; j < jEnd; ++j) {
                    out[j * n + i] = in[i * n + j];
                }
            }
        }
    }
}
