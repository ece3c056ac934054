#include "core/generation.h"

namespace hearth::core {

std::string_view to_string(FinishReason reason) {
    switch (reason) {
        case FinishReason::STOP: return "stop";
        case FinishReason::LENGTH: return "length";
        case FinishReason::CANCELLED: return "cancelled";
    }
    return "stop";
}

}  // namespace hearth::core
