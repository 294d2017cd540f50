// Correctness checks and timing of transpose() for Genesis. Built by evaluate.py with g++ -O2
// together with the candidate file; prints one line of contract JSON last:
// {"score", "correct", "metrics", "feedback"}.
#include "transpose.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr int kTimedN = 1024;
constexpr int kWarmup = 2;
constexpr int kRepeats = 9;

std::vector<float> matrix(int n) {
    std::vector<float> m(static_cast<size_t>(n) * n);
    for (size_t k = 0; k < m.size(); ++k) m[k] = static_cast<float>(k % 1009) + 0.25f;
    return m;
}

// Returns "" when transpose(n) matches the definition, else what went wrong.
std::string check(int n) {
    const std::vector<float> in = matrix(n);
    // Sentinel values, and one spare element on each side to catch writes out of bounds.
    std::vector<float> out(static_cast<size_t>(n) * n + 2, -1.0f);
    transpose(in.data(), out.data() + 1, n);
    if (out.front() != -1.0f || out.back() != -1.0f) return "n=" + std::to_string(n) + ": wrote outside the output";
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            const float got = out[1 + static_cast<size_t>(j) * n + i];
            const float want = in[static_cast<size_t>(i) * n + j];
            if (got != want) {
                return "n=" + std::to_string(n) + ": out[" + std::to_string(j) + "][" + std::to_string(i) +
                       "] = " + std::to_string(got) + ", expected in[" + std::to_string(i) + "][" +
                       std::to_string(j) + "] = " + std::to_string(want);
            }
        }
    }
    return "";
}

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

}  // namespace

int main() {
    const int sizes[] = {1, 2, 3, 7, 16, 33, 100, 257, kTimedN};
    std::vector<std::string> failures;
    for (int n : sizes) {
        std::string problem = check(n);
        if (!problem.empty()) failures.push_back(problem);
    }
    const int checked = static_cast<int>(sizeof(sizes) / sizeof(sizes[0]));
    if (!failures.empty()) {
        std::string feedback = "wrong results:";
        for (const std::string& f : failures) feedback += "\n" + f;
        std::printf("{\"score\": null, \"correct\": false, \"metrics\": {\"sizes_failed\": %zu}, \"feedback\": %s}\n",
                    failures.size(), jsonString(feedback).c_str());
        return 0;
    }

    const std::vector<float> in = matrix(kTimedN);
    std::vector<float> out(in.size());
    std::vector<double> samples;
    for (int r = 0; r < kWarmup + kRepeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        transpose(in.data(), out.data(), kTimedN);
        const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
        if (r >= kWarmup) samples.push_back(took.count());
    }
    std::sort(samples.begin(), samples.end());
    const double medianMs = samples[samples.size() / 2];
    const double gbPerSec = 2.0 * sizeof(float) * kTimedN * kTimedN / (medianMs * 1e6);
    char feedback[200];
    std::snprintf(feedback, sizeof feedback, "%d sizes correct; %dx%d: median %.3f ms (min %.3f ms), %.2f GB/s",
                  checked, kTimedN, kTimedN, medianMs, samples.front(), gbPerSec);
    std::printf("{\"score\": %.6f, \"correct\": true, \"metrics\": {\"median_ms\": %.6f, \"min_ms\": %.6f, "
                "\"gb_per_s\": %.3f}, \"feedback\": %s}\n",
                -medianMs, medianMs, samples.front(), gbPerSec, jsonString(feedback).c_str());
    return 0;
}
