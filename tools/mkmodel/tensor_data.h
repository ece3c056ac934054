// One tensor to generate: its name, shape, storage type and how its values are drawn; and the code that
// turns it into bytes in bounded memory (a few rows at a time), quantizing through ggml.
#pragma once

#include <ggml.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "model_config.h"

namespace hearth::mkmodel {

enum class TensorInit {
    NORMAL,  // matrices and embeddings: N(0, WEIGHT_STDDEV), like a freshly initialised transformer
    ONES,    // norm weights: identity scale, so random matrices do not blow activations up or down
    ZEROS,   // biases
};

// Rows [first, first + count) of a NORMAL tensor drawn `scale` times larger.
struct ScaledRows {
    int64_t first = 0;
    int64_t count = 0;
    float scale = 1.0F;
};

struct TensorSpec {
    TensorSpec(std::string tensor_name, std::vector<int64_t> shape, ggml_type storage, TensorInit values)
        : name(std::move(tensor_name)), ne(std::move(shape)), type(storage), init(values) {}

    std::string name;
    std::vector<int64_t> ne;  // ggml order: ne[0] is the row length
    ggml_type type = GGML_TYPE_F32;
    TensorInit init = TensorInit::NORMAL;
    ScaledRows scaled;
};

inline constexpr float WEIGHT_STDDEV = 0.02F;

// The ggml type a weight matrix is stored in: the requested type, or, when the row length is not a multiple
// of its block size, the fallback llama.cpp's quantizer picks (q4_k -> q5_0, anything else -> f16).
ggml_type weight_storage_type(WeightType type, int64_t row_length);

// The ggml type of a requested weight type with no fallback (Whisper needs one type for all matrices).
ggml_type exact_storage_type(WeightType type);

// Dense tensors that llama.cpp never quantizes (position and token-type tables, conv kernels):
// f32 in an f32 model, f16 otherwise.
ggml_type float_storage_type(WeightType type);

// Factory helpers for the three roles every writer uses.
TensorSpec weight_tensor(std::string name, std::vector<int64_t> ne, WeightType type);
TensorSpec norm_tensor(std::string name, int64_t length);
TensorSpec bias_tensor(std::string name, int64_t length);

size_t tensor_nbytes(const TensorSpec& spec);

using ByteSink = std::function<void(const void* data, size_t size)>;

// Generates the tensor's values from the per-tensor seed and passes the encoded bytes to sink in order,
// a chunk of rows at a time, so even an embedding table of an 8B model never sits in memory whole.
// Up to `threads` chunks are generated and quantized at once; the bytes do not depend on the thread count.
// block_pool: quantized types draw each block from a seeded pool of quantized blocks (ModelConfig::block_pool).
void stream_tensor(const TensorSpec& spec, uint64_t model_seed, int threads, const ByteSink& sink,
                   bool block_pool = false);

}  // namespace hearth::mkmodel
