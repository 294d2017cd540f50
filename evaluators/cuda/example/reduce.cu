// A tiny workspace for the Genesis demo: a GPU sum with a tunable launch configuration.
#include "reduce.cuh"

// Each block sums a grid-stride slice of `in` in shared memory and adds its total to *out.
// The tree reduction needs blockDim.x to be a power of two.
__global__ void sumKernel(const float* in, float* out, int n) {
    extern __shared__ float partial[];
    float local = 0.0f;
    for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < n; k += gridDim.x * blockDim.x) {
        local += in[k];
    }
    partial[threadIdx.x] = local;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicAdd(out, partial[0]);
}

void gpuSum(const float* in, float* out, int n) {
    const int threads = 128;
    const int blocks = 64;
    sumKernel<<<blocks, threads, threads * sizeof(float)>>>(in, out, n);
}
