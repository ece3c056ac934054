#pragma once
// Summaries of measured samples: mean and the percentiles the reports print.

#include <cstddef>
#include <vector>

namespace hearth::bench {

struct Distribution {
    size_t count = 0;
    double mean = 0;
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double max = 0;
};

// Percentile by linear interpolation between closest ranks (numpy's default), q in [0, 1]; 0 when empty.
double percentile(std::vector<double> samples, double q);
Distribution summarize(const std::vector<double>& samples);

}  // namespace hearth::bench
