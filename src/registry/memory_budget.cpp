#include "registry/memory_budget.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace hearth::registry {

namespace {

// Bytes per element of a KV cache type, for the types llama.cpp accepts there (quantized: block size over
// block bytes).
double kv_type_bytes(const std::string& type) {
    if (type == "f32") {
        return 4.0;
    }
    if (type == "q8_0") {
        return 34.0 / 32.0;
    }
    if (type == "q4_0" || type == "iq4_nl") {
        return 18.0 / 32.0;
    }
    if (type == "q4_1") {
        return 20.0 / 32.0;
    }
    if (type == "q5_0") {
        return 22.0 / 32.0;
    }
    if (type == "q5_1") {
        return 24.0 / 32.0;
    }
    return 2.0;  // f16, bf16
}

constexpr uint64_t MIB = 1ULL << 20;

}  // namespace

namespace {

// The share of the weights on the GPU: repeating layers and the output layer count one each (the token
// embeddings stay on the host; their size is close to one layer's for the models served here).
void split_to_gpu(MemoryNeed& need, const core::ModelFileInfo& info, int64_t n_gpu_layers) {
    if (n_gpu_layers == 0) {
        return;
    }
    const auto n_layer = static_cast<int64_t>(info.block_count);
    if (n_layer <= 0 || n_gpu_layers < 0 || n_gpu_layers > n_layer) {
        need.vram = need.total();  // everything (or an unknown shape: assume everything)
        return;
    }
    const auto layers = static_cast<double>(n_gpu_layers);
    const auto weights = static_cast<double>(need.weights) * layers / static_cast<double>(n_layer + 1);
    const auto kv = static_cast<double>(need.kv_cache) * layers / static_cast<double>(n_layer);
    need.vram = static_cast<uint64_t>(weights + kv) + need.compute;
}

}  // namespace

MemoryNeed estimate_memory(const core::ModelFileInfo& info, const ContextShape& shape) {
    MemoryNeed need;
    need.weights = info.size_bytes;
    const bool known = info.block_count > 0 && info.head_count > 0 && info.embedding_length > 0;
    if (!known) {
        need.compute = info.size_bytes / 4 + 64 * MIB;
        split_to_gpu(need, info, shape.n_gpu_layers);
        return need;
    }
    const uint64_t head_dim = info.embedding_length / info.head_count;
    const uint64_t k_dim = (info.key_length > 0 ? info.key_length : head_dim) * info.head_count_kv;
    const uint64_t v_dim = (info.value_length > 0 ? info.value_length : head_dim) * info.head_count_kv;
    const auto cells =
        static_cast<double>(std::max<int64_t>(shape.n_ctx_total, 0)) * static_cast<double>(info.block_count);
    need.kv_cache = static_cast<uint64_t>(cells * (static_cast<double>(k_dim) * kv_type_bytes(shape.type_k) +
                                                   static_cast<double>(v_dim) * kv_type_bytes(shape.type_v)));
    // Activations of one batch (a few widths of the hidden state per token) and a fixed allowance for the
    // graph; a text model's graph is reserved for logits of every token of a batch (f32), which dominates
    // for large vocabularies (qwen2.5-0.5b: 297 of its 300 MiB compute buffer at 512 tokens).
    need.compute = static_cast<uint64_t>(shape.n_batch) * info.embedding_length * 4 * 16 + 64 * MIB;
    if (info.kind == core::ModelKind::LLM) {
        need.compute += static_cast<uint64_t>(shape.n_batch) * info.vocab_size * 4;
    }
    split_to_gpu(need, info, shape.n_gpu_layers);
    return need;
}

namespace {

bool fits(const MemorySplit& used, const MemorySplit& need, const MemorySplit& budget) {
    return (budget.ram == 0 || used.ram + need.ram <= budget.ram) &&
           (budget.vram == 0 || used.vram + need.vram <= budget.vram);
}

// Whether unloading a model with `bytes` frees memory in a pool that is over the budget.
bool helps(const MemorySplit& bytes, const MemorySplit& used, const MemorySplit& need, const MemorySplit& budget) {
    const bool ram_over = budget.ram != 0 && used.ram + need.ram > budget.ram;
    const bool vram_over = budget.vram != 0 && used.vram + need.vram > budget.vram;
    return (ram_over && bytes.ram > 0) || (vram_over && bytes.vram > 0);
}

}  // namespace

std::optional<std::vector<std::string>> pick_evictions(const std::vector<ResidentModel>& resident,
                                                       const MemorySplit& need, const MemorySplit& budget) {
    MemorySplit used;
    for (const auto& m : resident) {
        used.ram += m.bytes.ram;
        used.vram += m.bytes.vram;
    }
    std::vector<std::string> victims;
    if (fits(used, need, budget)) {
        return victims;
    }
    std::vector<const ResidentModel*> idle;
    for (const auto& m : resident) {
        if (m.idle) {
            idle.push_back(&m);
        }
    }
    std::sort(idle.begin(), idle.end(), [](const auto* a, const auto* b) { return a->last_used_ms < b->last_used_ms; });
    for (const auto* m : idle) {
        if (fits(used, need, budget)) {
            break;
        }
        if (!helps(m->bytes, used, need, budget)) {
            continue;
        }
        victims.push_back(m->id);
        used.ram -= m->bytes.ram;
        used.vram -= m->bytes.vram;
    }
    if (!fits(used, need, budget)) {
        return std::nullopt;
    }
    return victims;
}

uint64_t default_memory_budget() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib >> unit) {
        if (key == "MemTotal:") {
            return kib * 1024 / 10 * 9;
        }
    }
    return 0;
}

uint64_t default_vram_budget(const std::vector<engine::BackendDevice>& devices) {
    uint64_t free = 0;
    for (const auto& device : devices) {
        if (device.type == "gpu") {
            free += device.memory_free;
        }
    }
    return free / 10 * 9;
}

std::string format_bytes(uint64_t bytes) {
    char text[32];
    if (bytes >= (1ULL << 30)) {
        std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1ULL << 30));
    } else {
        std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / MIB);
    }
    return text;
}

int64_t offloaded_layers(const std::vector<engine::BackendDevice>& devices, core::ModelKind kind,
                         const std::string& device, int32_t n_gpu_layers) {
    const auto is_gpu = [](const engine::BackendDevice& d) { return d.type == "gpu"; };
    if (std::none_of(devices.begin(), devices.end(), is_gpu)) {
        return 0;
    }
    if (!device.empty()) {
        const auto named = std::find_if(devices.begin(), devices.end(),
                                        [&](const engine::BackendDevice& d) { return d.name == device; });
        if (named == devices.end() || !is_gpu(*named)) {
            return 0;
        }
    }
    return kind == core::ModelKind::LLM || kind == core::ModelKind::TTS ? n_gpu_layers : -1;
}

}  // namespace hearth::registry
