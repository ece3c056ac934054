#include "output_file.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "model_config.h"

namespace hearth::mkmodel {
namespace {

std::string errno_text() {
    return std::strerror(errno);
}

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)), tmp_path_(path_ + ".tmp") {
    if (path_.empty()) {
        throw UsageError("no output file given (-o FILE)");
    }
    if (std::filesystem::is_directory(path_)) {
        throw UsageError("output path is a directory: " + path_);
    }
    file_ = std::fopen(tmp_path_.c_str(), "wb");
    if (file_ == nullptr) {
        throw UsageError("cannot write output file " + path_ + " (" + tmp_path_ + ": " + errno_text() + ")");
    }
}

OutputFile::~OutputFile() {
    if (file_ != nullptr) {
        std::fclose(file_);
    }
    if (!committed_) {
        std::error_code ignored;
        std::filesystem::remove(tmp_path_, ignored);
    }
}

void OutputFile::write(const void* data, size_t size) {
    if (size == 0) {
        return;
    }
    if (std::fwrite(data, 1, size, file_) != size) {
        throw std::runtime_error("write to " + tmp_path_ + " failed: " + errno_text());
    }
    offset_ += size;
}

void OutputFile::pad_to(size_t alignment) {
    static constexpr std::array<uint8_t, 64> ZEROS{};
    size_t missing = (alignment - offset_ % alignment) % alignment;
    while (missing > 0) {
        const size_t step = missing < ZEROS.size() ? missing : ZEROS.size();
        write(ZEROS.data(), step);
        missing -= step;
    }
}

void OutputFile::commit() {
    std::FILE* file = std::exchange(file_, nullptr);
    const bool flushed = std::fflush(file) == 0;
    const bool closed = std::fclose(file) == 0;
    if (!flushed || !closed) {
        throw std::runtime_error("closing " + tmp_path_ + " failed: " + errno_text());
    }
    std::error_code error;
    std::filesystem::rename(tmp_path_, path_, error);
    if (error) {
        throw UsageError("cannot rename " + tmp_path_ + " to " + path_ + ": " + error.message());
    }
    committed_ = true;
}

OutputFiles::OutputFiles(const std::string& path, int split_count) {
    if (split_count == 1) {
        files_.push_back(std::make_unique<OutputFile>(path));
        return;
    }
    for (int split_no = 0; split_no < split_count; ++split_no) {
        files_.push_back(std::make_unique<OutputFile>(split_path(path, split_no, split_count)));
    }
}

void OutputFiles::commit() {
    for (auto file = files_.rbegin(); file != files_.rend(); ++file) {
        (*file)->commit();
    }
}

std::string split_path(const std::string& path, int split_no, int split_count) {
    static constexpr std::string_view SUFFIX = ".gguf";
    std::string prefix = path;
    if (prefix.size() > SUFFIX.size() && prefix.ends_with(SUFFIX)) {
        prefix.resize(prefix.size() - SUFFIX.size());
    }
    std::array<char, 32> postfix{};
    std::snprintf(postfix.data(), postfix.size(), "-%05d-of-%05d.gguf", split_no + 1, split_count);
    return prefix + postfix.data();
}

}  // namespace hearth::mkmodel
