#include "gguf_writer.h"

#include <ggml.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace hearth::mkmodel {
namespace {

// llama_ftype values (llama.h); general.file_type only labels the file, llama.cpp reads each tensor's type.
uint32_t llama_file_type(WeightType type) {
    switch (type) {
        case WeightType::F32: return 0;    // LLAMA_FTYPE_ALL_F32
        case WeightType::F16: return 1;    // LLAMA_FTYPE_MOSTLY_F16
        case WeightType::Q4_0: return 2;   // LLAMA_FTYPE_MOSTLY_Q4_0
        case WeightType::Q8_0: return 7;   // LLAMA_FTYPE_MOSTLY_Q8_0
        case WeightType::Q4_K: return 14;  // LLAMA_FTYPE_MOSTLY_Q4_K_S: every matrix q4_k where the shape allows
    }
    throw std::logic_error("unhandled weight type");
}

struct GgmlContextDeleter {
    void operator()(ggml_context* ctx) const { ggml_free(ctx); }
};

struct GgufContextDeleter {
    void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};

}  // namespace

GgufWriter::GgufWriter() : meta_(gguf_init_empty()) {
    if (meta_ == nullptr) {
        throw std::runtime_error("gguf_init_empty failed");
    }
}

GgufWriter::~GgufWriter() {
    gguf_free(meta_);
}

void GgufWriter::add_tensor(TensorSpec spec) {
    if (spec.ne.empty() || spec.ne.size() > GGML_MAX_DIMS || spec.name.size() >= GGML_MAX_NAME) {
        throw std::logic_error("bad tensor spec: " + spec.name);
    }
    tensors_.push_back(std::move(spec));
}

void GgufWriter::register_tensors(gguf_context* ctx, TensorRange range) const {
    // gguf_add_tensor copies the tensor header, so a no_alloc context that only holds headers is enough
    // and can go away once the tensors are registered.
    const ggml_init_params params{range.count * ggml_tensor_overhead(), nullptr, true};
    const std::unique_ptr<ggml_context, GgmlContextDeleter> headers(ggml_init(params));
    if (!headers) {
        throw std::runtime_error("ggml_init failed");
    }
    for (size_t i = range.first; i < range.first + range.count; ++i) {
        const TensorSpec& spec = tensors_[i];
        ggml_tensor* tensor =
            ggml_new_tensor(headers.get(), spec.type, static_cast<int>(spec.ne.size()), spec.ne.data());
        ggml_set_name(tensor, spec.name.c_str());
        gguf_add_tensor(ctx, tensor);
    }
}

void GgufWriter::write(OutputFiles& out, uint64_t seed, int threads, bool block_pool) {
    const Generation generation{seed, threads, block_pool};
    if (out.count() > 1) {
        write_split(out, generation);
        return;
    }
    const TensorRange all{0, tensors_.size()};
    register_tensors(meta_, all);
    write_file(meta_, out.file(0), all, generation);
}

void GgufWriter::write_file(gguf_context* ctx, OutputFile& out, TensorRange range, const Generation& generation) const {
    std::vector<uint8_t> header(gguf_get_meta_size(ctx));
    gguf_get_meta_data(ctx, header.data());
    out.write(header.data(), header.size());

    // The metadata block is already padded to the alignment, so file offsets and data offsets agree mod it.
    const size_t alignment = gguf_get_alignment(ctx);
    const uint64_t data_start = out.offset();
    for (size_t i = 0; i < range.count; ++i) {
        const TensorSpec& spec = tensors_[range.first + i];
        if (out.offset() - data_start != gguf_get_tensor_offset(ctx, static_cast<int64_t>(i))) {
            throw std::logic_error("tensor data offset mismatch at " + spec.name);
        }
        stream_tensor(
            spec, generation.seed, generation.threads, [&out](const void* data, size_t size) { out.write(data, size); },
            generation.block_pool);
        out.pad_to(alignment);
    }
}

// The keys libllama's loader (llama-model-loader.cpp, LLM_KV_SPLIT_*) reads, with the types it insists on;
// only the first split carries the model's metadata, as llama-gguf-split writes it.
gguf_context* GgufWriter::split_meta(size_t split_no, size_t split_count) const {
    gguf_context* ctx = gguf_init_empty();
    if (ctx == nullptr) {
        throw std::runtime_error("gguf_init_empty failed");
    }
    if (split_no == 0) {
        gguf_set_kv(ctx, meta_);
    } else if (gguf_find_key(meta_, GGUF_KEY_GENERAL_ALIGNMENT) >= 0) {
        // Every split is padded by its own header's alignment: a non-default one must be in each.
        gguf_set_val_u32(ctx, GGUF_KEY_GENERAL_ALIGNMENT, static_cast<uint32_t>(gguf_get_alignment(meta_)));
    }
    gguf_set_val_u16(ctx, "split.no", static_cast<uint16_t>(split_no));
    gguf_set_val_u16(ctx, "split.count", static_cast<uint16_t>(split_count));
    gguf_set_val_i32(ctx, "split.tensors.count", static_cast<int32_t>(tensors_.size()));
    return ctx;
}

void GgufWriter::write_split(OutputFiles& out, const Generation& generation) {
    const size_t split_count = out.count();
    if (split_count > tensors_.size()) {
        throw UsageError("--split-count " + std::to_string(split_count) + " is more than the model's " +
                         std::to_string(tensors_.size()) + " tensors (every split holds at least one)");
    }
    if (split_count > UINT16_MAX || tensors_.size() > INT32_MAX) {
        throw std::logic_error("split keys cannot hold the counts");
    }
    TensorRange range;
    for (size_t split_no = 0; split_no < split_count; ++split_no) {
        // As even as possible by count: the first (tensors mod splits) files take one tensor more.
        range.count = tensors_.size() / split_count + (split_no < tensors_.size() % split_count ? 1 : 0);
        const std::unique_ptr<gguf_context, GgufContextDeleter> ctx(split_meta(split_no, split_count));
        register_tensors(ctx.get(), range);
        write_file(ctx.get(), out.file(split_no), range, generation);
        range.first += range.count;
    }
}

void set_general_keys(gguf_context* meta, const std::string& arch_name, const ModelConfig& config) {
    gguf_set_val_str(meta, "general.architecture", arch_name.c_str());
    gguf_set_val_str(meta, "general.type", "model");
    gguf_set_val_str(meta, "general.name", config.name.c_str());
    gguf_set_val_str(meta, "general.description", "random weights generated by hearth-mkmodel, for tests only");
    gguf_set_val_u32(meta, "general.file_type", llama_file_type(config.type));
    gguf_set_val_u32(meta, "general.quantization_version", GGML_QNT_VERSION);
}

}  // namespace hearth::mkmodel
