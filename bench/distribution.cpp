#include "bench/distribution.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hearth::bench {

namespace {

double sorted_percentile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) {
        return 0;
    }
    const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<size_t>(std::floor(rank));
    const size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = rank - static_cast<double>(below);
    return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

}  // namespace

double percentile(std::vector<double> samples, double q) {
    std::sort(samples.begin(), samples.end());
    return sorted_percentile(samples, q);
}

Distribution summarize(const std::vector<double>& samples) {
    Distribution out;
    if (samples.empty()) {
        return out;
    }
    std::vector<double> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    out.count = sorted.size();
    out.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
    out.p50 = sorted_percentile(sorted, 0.50);
    out.p90 = sorted_percentile(sorted, 0.90);
    out.p99 = sorted_percentile(sorted, 0.99);
    out.max = sorted.back();
    return out;
}

}  // namespace hearth::bench
