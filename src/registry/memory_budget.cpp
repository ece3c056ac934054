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

MemoryNeed estimate_memory(const core::ModelFileInfo& info, const ContextShape& shape) {
    MemoryNeed need;
    need.weights = info.size_bytes;
    const bool known = info.block_count > 0 && info.head_count > 0 && info.embedding_length > 0;
    if (!known) {
        need.compute = info.size_bytes / 4 + 64 * MIB;
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
    // graph and logits; measured compute buffers of small models stay well inside it.
    need.compute = static_cast<uint64_t>(shape.n_batch) * info.embedding_length * 4 * 16 + 64 * MIB;
    return need;
}

std::optional<std::vector<std::string>> pick_evictions(const std::vector<ResidentModel>& resident, uint64_t need,
                                                       uint64_t budget) {
    uint64_t used = 0;
    for (const auto& m : resident) {
        used += m.bytes;
    }
    std::vector<std::string> victims;
    if (budget == 0 || used + need <= budget) {
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
        if (used + need <= budget) {
            break;
        }
        victims.push_back(m->id);
        used -= m->bytes;
    }
    if (used + need > budget) {
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

std::string format_bytes(uint64_t bytes) {
    char text[32];
    if (bytes >= (1ULL << 30)) {
        std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1ULL << 30));
    } else {
        std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / MIB);
    }
    return text;
}

}  // namespace hearth::registry
