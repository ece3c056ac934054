// Streams a GGUF file: metadata first (built with ggml's gguf API), then each tensor generated, quantized and
// written one after another with GGUF alignment padding, so memory stays bounded for any model size.
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

    // Writes the metadata and then every tensor's data, in the order the tensors were added.
    void write(OutputFile& out, uint64_t seed, int threads, bool block_pool = false);

private:
    void register_tensors();

    gguf_context* meta_;
    std::vector<TensorSpec> tensors_;
};

// general.* keys shared by every GGUF model this tool writes.
void set_general_keys(gguf_context* meta, const std::string& arch_name, const ModelConfig& config);

}  // namespace hearth::mkmodel
