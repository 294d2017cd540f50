// Genesis harness template for C/C++: copy it next to evaluate.py and edit the marked parts.
// evaluate.py compiles it together with the candidate file (g++ -O2) and runs it; it must print one
// line of contract JSON last: {"score", "correct", "metrics", "feedback"}.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

// ---- EDIT 1: the function under evolution (declare it, or include your header) -----------------
double my_function(const double* xs, int n);

namespace {

constexpr int kWarmup = 3;
constexpr int kRepeats = 9;

// ---- EDIT 2: correctness: a reference and the cases ----------------------------------------------
double reference(const double* xs, int n) {
    double sum = 0;
    for (int k = 0; k < n; ++k) sum += xs[k];
    return sum;
}

std::vector<std::vector<double>> cases() {
    std::vector<std::vector<double>> all = {{}, {1.0}, {1.0, -2.5, 3.25}};
    std::vector<double> ramp(1000);
    for (int k = 0; k < 1000; ++k) ramp[k] = k * 0.5;
    all.push_back(ramp);
    return all;
}

// ---- EDIT 3: one timed call's input, and the score (higher is better) ----------------------------
std::vector<double> timedInput() {
    std::vector<double> xs(1 << 20);
    for (size_t k = 0; k < xs.size(); ++k) xs[k] = static_cast<double>(k % 97);
    return xs;
}

// Default: faster is better. Prefer a deterministic score (an error, a count) when you have one.
double scoreFrom(double medianMs) { return -medianMs; }
// ----------------------------------------------------------------------------------------------------

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
    std::vector<std::string> failures;
    const auto all = cases();
    for (const auto& xs : all) {
        const int n = static_cast<int>(xs.size());
        const double want = reference(xs.data(), n);
        const double got = my_function(xs.data(), n);
        if (!(std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want))) && failures.size() < 5) {
            failures.push_back("n=" + std::to_string(n) + ": got " + std::to_string(got) + ", expected " +
                               std::to_string(want));
        }
    }
    if (!failures.empty()) {
        std::string feedback = "wrong results:";
        for (const auto& f : failures) feedback += "\n" + f;
        std::printf("{\"score\": null, \"correct\": false, \"metrics\": {}, \"feedback\": %s}\n",
                    jsonString(feedback).c_str());
        return 0;
    }

    const std::vector<double> input = timedInput();
    std::vector<double> samples;
    volatile double sink = 0;  // keeps the calls from being optimised away
    for (int r = 0; r < kWarmup + kRepeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        sink = sink + my_function(input.data(), static_cast<int>(input.size()));
        const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
        if (r >= kWarmup) samples.push_back(took.count());
    }
    std::sort(samples.begin(), samples.end());
    const double medianMs = samples[samples.size() / 2];
    const double score = scoreFrom(medianMs);
    char feedback[160];
    std::snprintf(feedback, sizeof feedback, "%zu cases correct; median %.4f ms per call (min %.4f ms)", all.size(),
                  medianMs, samples.front());
    if (std::isfinite(score)) {
        std::printf("{\"score\": %.9g, ", score);
    } else {
        std::printf("{\"score\": null, ");
    }
    std::printf("\"correct\": true, \"metrics\": {\"median_ms\": %.6f, \"min_ms\": %.6f}, \"feedback\": %s}\n", medianMs,
                samples.front(), jsonString(feedback).c_str());
    return 0;
}
