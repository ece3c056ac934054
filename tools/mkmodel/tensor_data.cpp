#include "tensor_data.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <stdexcept>
#include <utility>

#include "rng.h"

namespace hearth::mkmodel {
namespace {

// About 4 MiB of floats per chunk: small enough to bound memory, large enough to keep writes efficient.
constexpr int64_t CHUNK_FLOATS = int64_t{1} << 20;

int64_t row_count(const TensorSpec& spec) {
    int64_t rows = 1;
    for (size_t i = 1; i < spec.ne.size(); ++i) {
        rows *= spec.ne[i];
    }
    return rows;
}

struct ChunkBuffers {
    std::vector<float> values;
    std::vector<uint8_t> encoded;
};

// Each row draws from its own seeded sampler, so a row's values depend only on (seed, tensor, row):
// chunks can then be generated on any number of threads and the file stays bit-identical.
void fill_rows(const TensorSpec& spec, uint64_t base_seed, int64_t first_row, std::vector<float>& values) {
    const int64_t row_length = spec.ne.at(0);
    switch (spec.init) {
        case TensorInit::NORMAL:
            for (size_t offset = 0; offset < values.size(); offset += static_cast<size_t>(row_length)) {
                const auto row = first_row + static_cast<int64_t>(offset) / row_length;
                const bool scaled = row >= spec.scaled.first && row < spec.scaled.first + spec.scaled.count;
                NormalSampler sampler(row_seed(base_seed, row), 0.0F,
                                      scaled ? WEIGHT_STDDEV * spec.scaled.scale : WEIGHT_STDDEV);
                for (int64_t i = 0; i < row_length; ++i) {
                    values[offset + static_cast<size_t>(i)] = sampler.next();
                }
            }
            break;
        case TensorInit::ONES: std::fill(values.begin(), values.end(), 1.0F); break;
        case TensorInit::ZEROS: std::fill(values.begin(), values.end(), 0.0F); break;
    }
}

// Distinct quantized blocks of N(0, WEIGHT_STDDEV) values that block-pool tensors are assembled from.
constexpr size_t POOL_BLOCKS = size_t{1} << 16;

class BlockPool {
public:
    BlockPool(ggml_type type, uint64_t seed) : bytes_(ggml_type_size(type)) {
        const auto block = static_cast<int64_t>(ggml_blck_size(type));
        std::vector<float> values(POOL_BLOCKS * static_cast<size_t>(block));
        NormalSampler sampler(seed, 0.0F, WEIGHT_STDDEV);
        for (float& v : values) {
            v = sampler.next();
        }
        blocks_.resize(POOL_BLOCKS * bytes_);
        ggml_quantize_chunk(type, values.data(), blocks_.data(), 0, static_cast<int64_t>(POOL_BLOCKS), block, nullptr);
    }
    const uint8_t* block(uint64_t index) const { return blocks_.data() + (index % POOL_BLOCKS) * bytes_; }
    size_t block_bytes() const { return bytes_; }

private:
    size_t bytes_;
    std::vector<uint8_t> blocks_;
};

// One pool per (type, model seed), built on first use by the writer's thread.
const BlockPool& pool_for(ggml_type type, uint64_t model_seed) {
    static std::map<std::pair<int, uint64_t>, std::unique_ptr<BlockPool>> pools;
    auto& pool = pools[{static_cast<int>(type), model_seed}];
    if (!pool) {
        pool = std::make_unique<BlockPool>(type, row_seed(model_seed ^ 0x706f6f6cULL, static_cast<int64_t>(type)));
    }
    return *pool;
}

// Row r's k-th block is the pool's block at a position drawn from the row's seed: rows are independent.
void encode_chunk_from_pool(const TensorSpec& spec, const BlockPool& pool, uint64_t base_seed, int64_t first_row,
                            int64_t n_rows, ChunkBuffers& buffers) {
    const auto per_row = static_cast<size_t>(spec.ne.at(0) / ggml_blck_size(spec.type));
    buffers.encoded.resize(per_row * pool.block_bytes() * static_cast<size_t>(n_rows));
    uint8_t* out = buffers.encoded.data();
    for (int64_t r = 0; r < n_rows; ++r) {
        SplitMix64 rng(row_seed(base_seed, first_row + r));
        for (size_t k = 0; k < per_row; ++k, out += pool.block_bytes()) {
            std::memcpy(out, pool.block(rng.next()), pool.block_bytes());
        }
    }
}

void encode_chunk(const TensorSpec& spec, uint64_t base_seed, int64_t first_row, int64_t n_rows,
                  ChunkBuffers& buffers) {
    const int64_t row_length = spec.ne.at(0);
    buffers.values.resize(static_cast<size_t>(n_rows * row_length));
    fill_rows(spec, base_seed, first_row, buffers.values);
    buffers.encoded.resize(ggml_row_size(spec.type, row_length) * static_cast<size_t>(n_rows));
    // Rows quantize independently (no importance matrix), so a chunk gives the same bytes as the whole.
    const size_t written =
        ggml_quantize_chunk(spec.type, buffers.values.data(), buffers.encoded.data(), 0, n_rows, row_length, nullptr);
    if (written != buffers.encoded.size()) {
        throw std::runtime_error("ggml_quantize_chunk wrote an unexpected size for " + spec.name);
    }
}

}  // namespace

ggml_type exact_storage_type(WeightType type) {
    switch (type) {
        case WeightType::F32: return GGML_TYPE_F32;
        case WeightType::F16: return GGML_TYPE_F16;
        case WeightType::Q8_0: return GGML_TYPE_Q8_0;
        case WeightType::Q4_0: return GGML_TYPE_Q4_0;
        case WeightType::Q4_K: return GGML_TYPE_Q4_K;
    }
    throw std::logic_error("unhandled weight type");
}

ggml_type weight_storage_type(WeightType type, int64_t row_length) {
    const ggml_type wanted = exact_storage_type(type);
    if (row_length % ggml_blck_size(wanted) == 0) {
        return wanted;
    }
    // Same choice as tensor_type_fallback() in llama.cpp's llama-quant.cpp.
    if (wanted == GGML_TYPE_Q4_K && row_length % ggml_blck_size(GGML_TYPE_Q5_0) == 0) {
        return GGML_TYPE_Q5_0;
    }
    return GGML_TYPE_F16;
}

ggml_type float_storage_type(WeightType type) {
    return type == WeightType::F32 ? GGML_TYPE_F32 : GGML_TYPE_F16;
}

TensorSpec weight_tensor(std::string name, std::vector<int64_t> ne, WeightType type) {
    const ggml_type storage = weight_storage_type(type, ne.at(0));
    return TensorSpec{std::move(name), std::move(ne), storage, TensorInit::NORMAL};
}

TensorSpec norm_tensor(std::string name, int64_t length) {
    return TensorSpec{std::move(name), {length}, GGML_TYPE_F32, TensorInit::ONES};
}

TensorSpec bias_tensor(std::string name, int64_t length) {
    return TensorSpec{std::move(name), {length}, GGML_TYPE_F32, TensorInit::ZEROS};
}

size_t tensor_nbytes(const TensorSpec& spec) {
    return ggml_row_size(spec.type, spec.ne.at(0)) * static_cast<size_t>(row_count(spec));
}

void stream_tensor(const TensorSpec& spec, uint64_t model_seed, int threads, const ByteSink& sink, bool block_pool) {
    const int64_t row_length = spec.ne.at(0);
    const bool pooled =
        block_pool && spec.init == TensorInit::NORMAL && ggml_is_quantized(spec.type) && spec.scaled.count == 0;
    const BlockPool* pool = pooled ? &pool_for(spec.type, model_seed) : nullptr;
    const auto encode = [&spec, pool](uint64_t seed, int64_t first, int64_t n, ChunkBuffers& buffers) {
        if (pool != nullptr) {
            encode_chunk_from_pool(spec, *pool, seed, first, n, buffers);
        } else {
            encode_chunk(spec, seed, first, n, buffers);
        }
    };
    const int64_t rows = row_count(spec);
    const int64_t rows_per_chunk = std::max<int64_t>(1, CHUNK_FLOATS / row_length);
    const uint64_t base_seed = tensor_seed(model_seed, spec.name);
    std::vector<ChunkBuffers> buffers(static_cast<size_t>(std::max(1, threads)));
    const auto batch_rows = rows_per_chunk * static_cast<int64_t>(buffers.size());

    for (int64_t batch_first = 0; batch_first < rows; batch_first += batch_rows) {
        // One chunk per thread, written in order once all are done; the calling thread encodes the first.
        const int64_t batch_end = std::min(rows, batch_first + batch_rows);
        std::vector<std::future<void>> workers;
        size_t used = 1;
        for (int64_t first = batch_first + rows_per_chunk; first < batch_end; first += rows_per_chunk, ++used) {
            const int64_t n_rows = std::min(rows_per_chunk, batch_end - first);
            workers.push_back(
                std::async(std::launch::async, encode, base_seed, first, n_rows, std::ref(buffers[used])));
        }
        encode(base_seed, batch_first, std::min(rows_per_chunk, batch_end - batch_first), buffers[0]);
        for (auto& worker : workers) {
            worker.get();
        }
        for (size_t i = 0; i < used; ++i) {
            sink(buffers[i].encoded.data(), buffers[i].encoded.size());
        }
    }
}

}  // namespace hearth::mkmodel
