#pragma once

// Transposes the n×n row-major matrix `in` into `out` (out[j][i] = in[i][j]).
void transpose(const float* in, float* out, int n);
