#include "bench/model_run.h"

#include <cmath>
#include <numeric>

namespace hearth::bench {

void summarize(ModelRun& run) {
    const auto& samples = run.tokens_per_s;
    if (samples.empty()) {
        run.mean_tokens_per_s = run.stddev_tokens_per_s = 0;
        return;
    }
    const double n = static_cast<double>(samples.size());
    run.mean_tokens_per_s = std::accumulate(samples.begin(), samples.end(), 0.0) / n;
    double squares = 0;
    for (const double s : samples) {
        squares += (s - run.mean_tokens_per_s) * (s - run.mean_tokens_per_s);
    }
    run.stddev_tokens_per_s = samples.size() > 1 ? std::sqrt(squares / (n - 1)) : 0.0;
}

}  // namespace hearth::bench
