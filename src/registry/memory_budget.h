#pragma once
// How much memory a model needs once loaded, and which idle models to unload so that a new one fits.
// Pure functions: the registry feeds them its snapshot.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model_file_info.h"

namespace hearth::registry {

struct MemoryNeed {
    uint64_t weights = 0;   // the file's tensors (mapped or copied)
    uint64_t kv_cache = 0;  // every slot's context, K and V
    uint64_t compute = 0;   // activations and logits of one batch, plus a fixed allowance
    uint64_t total() const { return weights + kv_cache + compute; }
};

struct ContextShape {
    int64_t n_ctx_total = 0;  // slots x context per slot
    int64_t n_batch = 512;
    std::string type_k = "f16";
    std::string type_v = "f16";
};

// An estimate from the GGUF header (attention shape); when the shape is unknown, weights plus a quarter.
MemoryNeed estimate_memory(const core::ModelFileInfo& info, const ContextShape& shape);

struct ResidentModel {
    std::string id;
    uint64_t bytes = 0;
    int64_t last_used_ms = 0;  // steady clock
    bool idle = false;         // no request holds it: it may be unloaded
};

// The idle models to unload, least recently used first, so that `need` fits in `budget` beside what stays;
// nullopt when it cannot fit even with every idle model gone. Empty when it fits already.
std::optional<std::vector<std::string>> pick_evictions(const std::vector<ResidentModel>& resident, uint64_t need,
                                                       uint64_t budget);

// 90% of the machine's RAM (MemTotal), or 0 (no budget) when it cannot be read.
uint64_t default_memory_budget();
// "1.5 GiB", "300.0 MiB"
std::string format_bytes(uint64_t bytes);

}  // namespace hearth::registry
