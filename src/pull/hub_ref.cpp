#include "pull/hub_ref.h"

#include <cctype>
#include <vector>

namespace hearth::pull {

namespace {

constexpr size_t MAX_NAME = 96;

Error invalid(std::string_view text, const std::string& why) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "'" + std::string(text) + "' is not a model reference: " + why +
                                                       " (org/repo, org/repo:TAG, org/repo/file.gguf or a hub URL)");
}

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > MAX_NAME || name == "." || name.find("..") != std::string_view::npos) {
        return false;
    }
    for (const char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_' && c != '.') {
            return false;
        }
    }
    return true;
}

std::string_view strip_prefix(std::string_view text) {
    for (const std::string_view prefix : {"https://huggingface.co/", "http://huggingface.co/", "https://hf.co/",
                                          "http://hf.co/", "huggingface.co/", "hf.co/", "hf://"}) {
        if (text.rfind(prefix, 0) == 0) {
            return text.substr(prefix.size());
        }
    }
    return text;
}

std::vector<std::string_view> split_path(std::string_view text) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t slash = text.find('/', start);
        const size_t end = slash == std::string_view::npos ? text.size() : slash;
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

std::string join(const std::vector<std::string_view>& parts, size_t from) {
    std::string out;
    for (size_t i = from; i < parts.size(); ++i) {
        out += (i > from ? "/" : "") + std::string(parts[i]);
    }
    return out;
}

// "resolve/REV/path" or "blob/REV/path" (a hub URL's), else the file's path itself.
Result<void> read_file_part(std::string_view text, const std::vector<std::string_view>& parts, HubRef& ref) {
    size_t first = 2;
    if ((parts[2] == "resolve" || parts[2] == "blob") && parts.size() >= 5) {
        ref.revision = std::string(parts[3]);
        first = 4;
    } else if (parts[2] == "tree" && parts.size() == 4) {
        ref.revision = std::string(parts[3]);
        return {};
    }
    for (size_t i = first; i < parts.size(); ++i) {
        if (parts[i].empty() || parts[i] == "." || parts[i] == "..") {
            return invalid(text, "the file's path has an empty, '.' or '..' part");
        }
    }
    ref.file = join(parts, first);
    if (!ref.file.ends_with(".gguf") && !ref.file.ends_with(".bin")) {
        return invalid(text, "the file must be a .gguf or a .bin");
    }
    return {};
}

}  // namespace

Result<HubRef> parse_hub_ref(std::string_view text) {
    std::string_view rest = strip_prefix(text);
    if (const size_t query = rest.find_first_of("?#"); query != std::string_view::npos) {
        rest = rest.substr(0, query);  // "?download=true" of a copied link
    }
    while (rest.ends_with("/")) {
        rest.remove_suffix(1);
    }
    const std::vector<std::string_view> parts = split_path(rest);
    if (parts.size() < 2) {
        return invalid(text, "no org/repo");
    }
    HubRef ref;
    std::string_view name = parts[1];
    if (const size_t colon = name.find(':'); colon != std::string_view::npos) {
        ref.tag = std::string(name.substr(colon + 1));
        name = name.substr(0, colon);
        if (ref.tag.empty() || !valid_name(ref.tag) || parts.size() > 2) {
            return invalid(text, "a tag is a quantization such as Q4_K_M, after the repo's name");
        }
    }
    if (!valid_name(parts[0]) || !valid_name(name)) {
        return invalid(text, "org and repo are letters, digits, '-', '_' and '.'");
    }
    ref.repo = std::string(parts[0]) + "/" + std::string(name);
    if (parts.size() > 2) {
        if (auto ok = read_file_part(text, parts, ref); !ok) {
            return ok.error();
        }
    }
    return ref;
}

std::string to_string(const HubRef& ref) {
    if (!ref.file.empty()) {
        return ref.repo + "/" + ref.file;
    }
    return ref.tag.empty() ? ref.repo : ref.repo + ":" + ref.tag;
}

}  // namespace hearth::pull
