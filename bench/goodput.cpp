#include "bench/goodput.h"

namespace hearth::bench {

double find_goodput_rate(double low, double high, int steps, double target,
                         const std::function<double(double)>& attained) {
    if (attained(high) >= target) {
        return high;
    }
    double best = 0;
    double lo = low;
    double hi = high;
    for (int i = 0; i < steps; ++i) {
        const double mid = (lo + hi) / 2;
        if (attained(mid) >= target) {
            best = mid;
            lo = mid;
        } else {
            hi = mid;
        }
    }
    if (best == 0 && attained(low) >= target) {
        best = low;
    }
    return best;
}

}  // namespace hearth::bench
