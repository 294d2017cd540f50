// Correctness checks and timing of gpuSum() for Genesis. Built by evaluate.py with nvcc together
// with the candidate file; prints one line of contract JSON last:
// {"score", "correct", "metrics", "feedback"}.
#include "reduce.cuh"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr int kTimedN = 1 << 24;
constexpr int kWarmup = 3;
constexpr int kRepeats = 21;
constexpr double kRelativeTolerance = 1e-4;

std::string jsonString(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\', out += c;
        else if (c == '\n') out += "\\n";
        else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
        else out += c;
    }
    return out + "\"";
}

int fail(const std::string& feedback) {
    std::printf("{\"score\": null, \"correct\": false, \"metrics\": {}, \"feedback\": %s}\n", jsonString(feedback).c_str());
    return 0;
}

// "" when the last CUDA call and everything before it succeeded, else what failed.
std::string cudaProblem(const char* what) {
    cudaError_t error = cudaGetLastError();
    if (error == cudaSuccess) error = cudaDeviceSynchronize();
    return error == cudaSuccess ? "" : std::string(what) + ": " + cudaGetErrorString(error);
}

float value(int k) { return static_cast<float>(k % 1000) / 1000.0f; }

}  // namespace

int main() {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) return fail("no CUDA device visible to the harness");
    cudaDeviceProp props{};
    cudaGetDeviceProperties(&props, 0);

    std::vector<float> host(kTimedN);
    for (int k = 0; k < kTimedN; ++k) host[k] = value(k);
    float* in = nullptr;
    float* out = nullptr;
    if (cudaMalloc(&in, sizeof(float) * kTimedN) != cudaSuccess || cudaMalloc(&out, sizeof(float)) != cudaSuccess) {
        return fail("cudaMalloc failed");
    }
    cudaMemcpy(in, host.data(), sizeof(float) * kTimedN, cudaMemcpyHostToDevice);

    // Correctness against a double-precision sum on the host (prefixes of the same data).
    const int sizes[] = {1, 1000, 12345, 1 << 20, kTimedN};
    for (int n : sizes) {
        double want = 0;
        for (int k = 0; k < n; ++k) want += host[k];
        cudaMemset(out, 0, sizeof(float));
        gpuSum(in, out, n);
        const std::string problem = cudaProblem("gpuSum");
        if (!problem.empty()) return fail("n=" + std::to_string(n) + ": " + problem);
        float got = 0;
        cudaMemcpy(&got, out, sizeof(float), cudaMemcpyDeviceToHost);
        if (!(std::fabs(got - want) <= kRelativeTolerance * std::max(1.0, std::fabs(want)))) {
            return fail("wrong result for n=" + std::to_string(n) + ": got " + std::to_string(got) + ", expected " +
                        std::to_string(want) + " (relative tolerance 1e-4)");
        }
    }

    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    std::vector<double> samples;
    for (int r = 0; r < kWarmup + kRepeats; ++r) {
        cudaMemsetAsync(out, 0, sizeof(float));
        cudaEventRecord(start);
        gpuSum(in, out, kTimedN);
        cudaEventRecord(stop);
        cudaEventSynchronize(stop);
        float ms = 0;
        cudaEventElapsedTime(&ms, start, stop);
        if (r >= kWarmup) samples.push_back(ms * 1000.0);
    }
    const std::string problem = cudaProblem("timed gpuSum");
    if (!problem.empty()) return fail(problem);
    std::sort(samples.begin(), samples.end());
    const double medianUs = samples[samples.size() / 2];
    const double gbPerSec = sizeof(float) * static_cast<double>(kTimedN) / (medianUs * 1e3);
    char feedback[300];
    std::snprintf(feedback, sizeof feedback, "%zu sizes correct on %s; n=%d: median %.2f us (min %.2f us), %.1f GB/s",
                  sizeof(sizes) / sizeof(sizes[0]), props.name, kTimedN, medianUs, samples.front(), gbPerSec);
    std::printf("{\"score\": %.4f, \"correct\": true, \"metrics\": {\"median_us\": %.4f, \"min_us\": %.4f, "
                "\"gb_per_s\": %.3f}, \"feedback\": %s}\n",
                -medianUs, medianUs, samples.front(), gbPerSec, jsonString(feedback).c_str());
    cudaFree(in);
    cudaFree(out);
    return 0;
}
