// The output file, written as FILE.tmp and renamed over FILE only once complete, so a failed or interrupted
// run never leaves a half-written model where a loader would pick it up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

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
    const std::string& path() const { return path_; }

    // Flushes, closes and renames FILE.tmp to FILE.
    void commit();

private:
    std::string path_;
    std::string tmp_path_;
    std::FILE* file_ = nullptr;
    uint64_t offset_ = 0;
    bool committed_ = false;
};

// Where a model goes: the one file PATH, or the N files of a model split as llama.cpp's llama-gguf-split
// --split writes them. Every file is opened up front, so a bad path fails before anything is generated.
class OutputFiles {
public:
    OutputFiles(const std::string& path, int split_count);

    size_t count() const { return files_.size(); }
    OutputFile& file(size_t index) { return *files_.at(index); }
    const std::string& path(size_t index) const { return files_.at(index)->path(); }

    // Commits every file, the first one last: libllama is given the first split, so an interrupted commit
    // leaves no first split that names files still missing.
    void commit();

private:
    std::vector<std::unique_ptr<OutputFile>> files_;
};

// llama.cpp's llama_split_path naming, PREFIX-00001-of-00003.gguf for split_no 0 of 3, where PREFIX is path
// less a trailing ".gguf" (libllama finds the other splits from the first one's name alone).
std::string split_path(const std::string& path, int split_no, int split_count);

}  // namespace hearth::mkmodel
