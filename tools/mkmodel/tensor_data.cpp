#include "tensor_data.h"

#include <algorithm>
#include <functional>
#include <future>
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
                NormalSampler sampler(row_seed(base_seed, row), 0.0F, WEIGHT_STDDEV);
                for (int64_t i = 0; i < row_length; ++i) {
                    values[offset + static_cast<size_t>(i)] = sampler.next();
                }
            }
            break;
        case TensorInit::ONES: std::fill(values.begin(), values.end(), 1.0F); break;
        case TensorInit::ZEROS: std::fill(values.begin(), values.end(), 0.0F); break;
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

void stream_tensor(const TensorSpec& spec, uint64_t model_seed, int threads, const ByteSink& sink) {
    const int64_t row_length = spec.ne.at(0);
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
            workers.push_back(std::async(std::launch::async, encode_chunk, std::cref(spec), base_seed, first, n_rows,
                                         std::ref(buffers[used])));
        }
        encode_chunk(spec, base_seed, batch_first, std::min(rows_per_chunk, batch_end - batch_first), buffers[0]);
        for (auto& worker : workers) {
            worker.get();
        }
        for (size_t i = 0; i < used; ++i) {
            sink(buffers[i].encoded.data(), buffers[i].encoded.size());
        }
    }
}

}  // namespace hearth::mkmodel
