#pragma once

// Adds the sum of in[0..n) to *out. Both are device pointers; the caller zeroes *out first.
void gpuSum(const float* in, float* out, int n);
