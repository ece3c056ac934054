#pragma once
// SHA-256 (FIPS 180-4), for identifying model files in benchmark results: the same digest Hugging Face
// and `sha256sum` show, so a stored run can be matched to a download.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace hearth {

class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t size);
    // The digest as 64 lowercase hex digits; the object must not be updated afterwards.
    std::string hex_digest();

private:
    void compress(const uint8_t* block);

    std::array<uint32_t, 8> state_{};
    std::array<uint8_t, 64> buffer_{};
    size_t buffered_ = 0;
    uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view data);
// Reads the whole file. Errors: NOT_FOUND (cannot open), INTERNAL (read error).
Result<std::string> sha256_file_hex(const std::string& path);

}  // namespace hearth
