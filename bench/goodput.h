#pragma once
// The goodput search of `hearth bench serve --goodput`: the highest arrival rate at which a server still keeps
// most requests within their SLOs, found by bisection over open-loop levels.

#include <functional>

namespace hearth::bench {

// The highest rate in [low, high] at which attained(rate) (the share of requests within the SLOs, 0..1) is at
// least `target`: high first; when high fails, `steps` bisections of [low, high], the rates that pass moving
// the low end up; low itself last, only when no rate above it passed. 0 when even low fails. Each call of
// `attained` is one measured level, so the caller bounds their number: at most steps + 2.
double find_goodput_rate(double low, double high, int steps, double target,
                         const std::function<double(double)>& attained);

}  // namespace hearth::bench
