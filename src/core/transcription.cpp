#include "core/transcription.h"

namespace hearth::core {

std::string Transcript::text() const {
    std::string out;
    for (const auto& segment : segments) {
        out += segment.text;
    }
    // whisper starts each segment with a space; the whole text does not need the first one.
    const size_t first = out.find_first_not_of(' ');
    return first == std::string::npos ? std::string() : out.substr(first);
}

}  // namespace hearth::core
