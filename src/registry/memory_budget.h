#pragma once
// How much memory a model needs once loaded, and which idle models to unload so that a new one fits.
// Pure functions: the registry feeds them its snapshot.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model_file_info.h"
#include "engine/backend.h"

namespace hearth::registry {

// Bytes in the two pools a model draws on: host RAM and the memory of the GPU devices it offloads to.
struct MemorySplit {
    uint64_t ram = 0;
    uint64_t vram = 0;
    uint64_t total() const { return ram + vram; }
};

struct MemoryNeed {
    uint64_t weights = 0;     // the file's tensors (mapped or copied)
    uint64_t kv_cache = 0;    // every slot's context, K and V
    uint64_t compute = 0;     // activations and logits of one batch, plus a fixed allowance
    uint64_t host_cache = 0;  // a text model's prompt cache (host copies of conversations): RAM only
    uint64_t vram = 0;        // the part of the above that sits on GPU devices
    uint64_t total() const { return weights + kv_cache + compute + host_cache; }
    MemorySplit split() const { return {total() - vram, vram}; }
};

struct ContextShape {
    int64_t n_ctx_total = 0;  // slots x context per slot
    int64_t n_batch = 512;
    std::string type_k = "f16";
    std::string type_v = "f16";
    // Layers offloaded to a GPU, as llama.cpp counts them: 0 none (also: no GPU), n_layer + 1 or more (or -1)
    // every repeating layer and the output layer.
    int64_t n_gpu_layers = 0;
};

// An estimate from the GGUF header (attention shape); when the shape is unknown, weights plus a quarter.
// Offloaded layers put their share of the weights and their KV cells on the GPU, and the compute buffer
// with them, as llama.cpp does (offload_kqv on).
MemoryNeed estimate_memory(const core::ModelFileInfo& info, const ContextShape& shape);

// The layers that go to a GPU, as ContextShape::n_gpu_layers counts them: none without a GPU device (an
// integrated GPU draws on RAM) or when `device` names one that is not a GPU; else n_gpu_layers for text and
// speech-synthesis models, all for the others.
int64_t offloaded_layers(const std::vector<engine::BackendDevice>& devices, core::ModelKind kind,
                         const std::string& device, int32_t n_gpu_layers);

struct ResidentModel {
    std::string id;
    MemorySplit bytes;
    int64_t last_used_ms = 0;  // steady clock
    bool idle = false;         // no request holds it: it may be unloaded
};

// The idle models to unload, least recently used first, so that `need` fits in `budget` (each pool on its
// own; 0: that pool is unbounded) beside what stays. A model is unloaded only when it frees memory in a pool
// that is over: a CPU-only model never goes to make room on the GPU. nullopt when it cannot fit even with
// every such idle model gone. Empty when it fits already.
std::optional<std::vector<std::string>> pick_evictions(const std::vector<ResidentModel>& resident,
                                                       const MemorySplit& need, const MemorySplit& budget);

// 90% of the machine's RAM (MemTotal), or 0 (no budget) when it cannot be read.
uint64_t default_memory_budget();
// 90% of the free memory of the GPU devices (type "gpu"; an integrated GPU shares RAM), summed; 0 (no
// budget) without one.
uint64_t default_vram_budget(const std::vector<engine::BackendDevice>& devices);
// "1.5 GiB", "300.0 MiB"
std::string format_bytes(uint64_t bytes);

}  // namespace hearth::registry
