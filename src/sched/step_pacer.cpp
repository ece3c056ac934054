#include "sched/step_pacer.h"

#include <algorithm>

namespace hearth::sched {

namespace {

constexpr double WEIGHT = 0.2;  // of a new observation in the moving averages: a few steps to adapt

double blend(double average, double observed) {
    return average == 0 ? observed : average + WEIGHT * (observed - average);
}

}  // namespace

StepPacer::StepPacer(PacerConfig config)
    : config_(config), decode_s_(static_cast<size_t>(std::max(config.max_step_tokens, 1)) + 1, 0.0) {}

double StepPacer::decode_step_seconds(int32_t n_decode) const {
    if (n_decode <= 0) {
        return 0;
    }
    const auto n = static_cast<size_t>(n_decode);
    if (n < decode_s_.size() && decode_s_[n] > 0) {
        return decode_s_[n];
    }
    // Least squares over the measured sizes: t = a + b * n.
    double count = 0;
    double sum_n = 0;
    double sum_t = 0;
    double sum_nn = 0;
    double sum_nt = 0;
    for (size_t i = 1; i < decode_s_.size(); ++i) {
        if (decode_s_[i] > 0) {
            const auto x = static_cast<double>(i);
            count += 1;
            sum_n += x;
            sum_t += decode_s_[i];
            sum_nn += x * x;
            sum_nt += x * decode_s_[i];
        }
    }
    if (count == 0) {
        return 0;
    }
    const double x = static_cast<double>(n_decode);
    const double spread = count * sum_nn - sum_n * sum_n;
    if (count == 1 || spread <= 0) {
        return sum_t / sum_n * x;  // one size measured: proportional
    }
    const double slope = (count * sum_nt - sum_n * sum_t) / spread;
    const double intercept = (sum_t - slope * sum_n) / count;
    const double line = intercept + slope * x;
    // A noisy fit through small sizes can go negative far out: fall back to proportional there.
    return line > 0 ? line : sum_t / sum_n * x;
}

int32_t StepPacer::prefill_budget(int32_t n_decode) const {
    const int32_t room = std::max(0, config_.max_step_tokens - n_decode);
    if (n_decode == 0) {
        return room;
    }
    const double full_s = decode_step_seconds(std::max(config_.n_slots, n_decode));
    const double now_s = decode_step_seconds(n_decode);
    if (full_s == 0 || prefill_token_s_ == 0) {
        return std::min(room, config_.bootstrap_chunk);
    }
    const double cap_s =
        std::max(config_.stretch * full_s, full_s + std::chrono::duration<double>(config_.min_extra).count());
    const double tokens = (cap_s - now_s) / prefill_token_s_;
    const auto chunk = static_cast<int32_t>(std::clamp(tokens, 0.0, static_cast<double>(room)));
    return std::min(room, std::max(config_.min_chunk, chunk));
}

void StepPacer::record(int32_t n_decode, int32_t n_prefill, double seconds) {
    if (n_decode < 0 || n_prefill < 0 || !(seconds > 0) || n_decode + n_prefill == 0) {
        return;
    }
    if (n_prefill == 0) {
        if (static_cast<size_t>(n_decode) < decode_s_.size()) {
            decode_s_[static_cast<size_t>(n_decode)] = blend(decode_s_[static_cast<size_t>(n_decode)], seconds);
        }
        return;
    }
    // A prompt-only step charges its fixed cost to the tokens too: an overestimate, which errs towards
    // shorter steps until mixed steps refine it.
    const double decode_s = decode_step_seconds(n_decode);
    if (n_decode > 0 && decode_s == 0) {
        return;
    }
    const double per_token = (seconds - decode_s) / n_prefill;
    if (per_token > 0) {
        prefill_token_s_ = blend(prefill_token_s_, per_token);
    }
}

}  // namespace hearth::sched
