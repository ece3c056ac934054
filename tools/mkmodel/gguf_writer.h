// Streams a GGUF file: metadata first (built with ggml's gguf API), then each tensor generated, quantized and
// written one after another with GGUF alignment padding, so memory stays bounded for any model size. A model
// can also go out as llama.cpp split files, one after another in the same bounded way.
#pragma once

#include <gguf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model_config.h"
#include "output_file.h"
#include "tensor_data.h"

namespace hearth::mkmodel {

class GgufWriter {
public:
    GgufWriter();
    ~GgufWriter();

    GgufWriter(const GgufWriter&) = delete;
    GgufWriter& operator=(const GgufWriter&) = delete;

    gguf_context* meta() { return meta_; }

    void add_tensor(TensorSpec spec);
    size_t tensor_count() const { return tensors_.size(); }

    // Writes the metadata and then every tensor's data, in the order the tensors were added. Split over N
    // files (out.count()) as llama-gguf-split --split does: consecutive groups of tensors, as even as the
    // count allows; every file a complete GGUF with the split.* keys, the first also with all the metadata.
    void write(OutputFiles& out, uint64_t seed, int threads, bool block_pool = false);

private:
    // Tensors [first, first + count) of tensors_.
    struct TensorRange {
        size_t first = 0;
        size_t count = 0;
    };
    struct Generation {
        uint64_t seed = 0;
        int threads = 1;
        bool block_pool = false;
    };

    void write_split(OutputFiles& out, const Generation& generation);
    void register_tensors(gguf_context* ctx, TensorRange range) const;
    void write_file(gguf_context* ctx, OutputFile& out, TensorRange range, const Generation& generation) const;
    gguf_context* split_meta(size_t split_no, size_t split_count) const;

    gguf_context* meta_;
    std::vector<TensorSpec> tensors_;
};

// general.* keys shared by every GGUF model this tool writes.
void set_general_keys(gguf_context* meta, const std::string& arch_name, const ModelConfig& config);

}  // namespace hearth::mkmodel
