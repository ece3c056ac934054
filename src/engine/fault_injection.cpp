#include "engine/fault_injection.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace hearth::engine {

FaultInjection::FaultInjection(const std::string& model_path) {
    const char* folder = std::getenv("HEARTH_TEST_FAULT_DIR");
    if (folder != nullptr && *folder != '\0') {
        trigger_ = (std::filesystem::path(folder) /
                    ("abort-in-decode-" + std::filesystem::path(model_path).filename().string()))
                       .string();
    }
}

void FaultInjection::before_decode() {
    if (!trigger_.empty()) {
        std::error_code ec;
        abort_now_.store(std::filesystem::exists(trigger_, ec));
    }
}

void FaultInjection::check_inside_decode() const {
    if (abort_now_.load()) {
        std::fprintf(stderr, "HEARTH_TEST_FAULT_DIR: abort inside llama_decode (test fault injection)\n");
        std::abort();
    }
}

}  // namespace hearth::engine
