#pragma once
// What `hearth pull` is asked for, as users write it: "org/repo", "org/repo:Q8_0" (a quantization tag, any
// case), "org/repo/path/file.gguf", "hf.co/org/repo[:TAG]", or a hub URL
// ("https://huggingface.co/org/repo[/resolve|blob/REV/path/file.gguf]").
// Thread-safe: pure functions.

#include <string>
#include <string_view>

#include "util/result.h"

namespace hearth::pull {

struct HubRef {
    std::string repo;               // "org/name"
    std::string tag;                // empty: the default tag (hub_files.h)
    std::string file;               // a path in the repo; empty: chosen by tag
    std::string revision = "main";  // a branch, tag or commit
};

// INVALID_ARGUMENT naming what is wrong: no "org/name", characters the hub does not allow in names (letters,
// digits, '-', '_', '.'; no "..", at most 96 each), a file that is no .gguf or .bin, "." or ".." in its
// path, a tag together with a file.
Result<HubRef> parse_hub_ref(std::string_view text);

// "org/repo:TAG" or "org/repo/file" as parse_hub_ref reads it back.
std::string to_string(const HubRef& ref);

}  // namespace hearth::pull
