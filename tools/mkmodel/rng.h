// Deterministic random numbers for generated weights.
// std::mt19937 + std::normal_distribution is not specified bit-for-bit across standard libraries, so the
// generator is written out here: the same seed must give the same file on every machine and every run.
#pragma once

#include <cstdint>
#include <string_view>

namespace hearth::mkmodel {

// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough to fill weight matrices.
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}

    uint64_t next();

    // Uniform in the open interval (0, 1), so that log() in Box-Muller never sees 0.
    double next_open_unit();

private:
    uint64_t state_;
};

// Normal(mean, stddev) samples via Box-Muller; each pair of uniforms yields two samples, both used.
class NormalSampler {
public:
    NormalSampler(uint64_t seed, float mean, float stddev) : rng_(seed), mean_(mean), stddev_(stddev) {}

    float next();

private:
    SplitMix64 rng_;
    float mean_;
    float stddev_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

// Per-tensor seed from the model seed and the tensor name: a tensor's values do not depend on which
// tensors were written before it, so adding a tensor to an architecture leaves the others unchanged.
uint64_t tensor_seed(uint64_t model_seed, std::string_view tensor_name);

// Per-row seed within a tensor: rows are independent streams, so they can be generated in any order.
uint64_t row_seed(uint64_t tensor_seed_value, int64_t row);

}  // namespace hearth::mkmodel
