// The output file, written as FILE.tmp and renamed over FILE only once complete, so a failed or interrupted
// run never leaves a half-written model where a loader would pick it up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hearth::mkmodel {

class OutputFile {
public:
    // Opens FILE.tmp for writing; throws UsageError when that is not possible.
    explicit OutputFile(std::string path);
    ~OutputFile();

    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    void write(const void* data, size_t size);
    // Zero bytes up to the next multiple of alignment, counted from the start of the file.
    void pad_to(size_t alignment);
    uint64_t offset() const { return offset_; }

    // Flushes, closes and renames FILE.tmp to FILE.
    void commit();

private:
    std::string path_;
    std::string tmp_path_;
    std::FILE* file_ = nullptr;
    uint64_t offset_ = 0;
    bool committed_ = false;
};

}  // namespace hearth::mkmodel
