#include "rng.h"

#include <cmath>
#include <numbers>

namespace hearth::mkmodel {

uint64_t SplitMix64::next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
}

double SplitMix64::next_open_unit() {
    // 53 random mantissa bits, shifted by half a step so neither 0 nor 1 can come out.
    const uint64_t bits = next() >> 11U;
    return (static_cast<double>(bits) + 0.5) * (1.0 / 9007199254740992.0);
}

float NormalSampler::next() {
    if (has_spare_) {
        has_spare_ = false;
        return mean_ + stddev_ * static_cast<float>(spare_);
    }
    const double u1 = rng_.next_open_unit();
    const double u2 = rng_.next_open_unit();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return mean_ + stddev_ * static_cast<float>(radius * std::cos(angle));
}

uint64_t tensor_seed(uint64_t model_seed, std::string_view tensor_name) {
    // FNV-1a over the name, then one SplitMix64 step to spread the combined bits.
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : tensor_name) {
        hash ^= static_cast<uint8_t>(c);
        hash *= 0x100000001b3ULL;
    }
    SplitMix64 mixer(model_seed ^ hash);
    return mixer.next();
}

uint64_t row_seed(uint64_t tensor_seed_value, int64_t row) {
    SplitMix64 mixer(tensor_seed_value ^ (static_cast<uint64_t>(row) * 0xd1342543de82ef95ULL));
    return mixer.next();
}

}  // namespace hearth::mkmodel
