#pragma once
// Whole-file reads and crash-safe writes for small files the user owns (the model config).

#include <string>

#include "util/result.h"

namespace hearth {

// NOT_FOUND when the file does not exist; INTERNAL on another read error.
Result<std::string> read_text_file(const std::string& path);

// Writes content to a temporary file beside `path`, flushes it to disk and renames it over `path`, so that a
// crash at any point leaves either the old file or the new one, never a mix. Creates missing parent folders.
// INTERNAL with the reason on failure (the temporary file is removed).
Result<void> write_file_atomically(const std::string& path, const std::string& content);

}  // namespace hearth
