#pragma once
// Images clients name by file:// URL, read from one directory the operator chose (hearth serve --media-dir)
// and from nowhere else.

#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.h"

namespace hearth {

// The bytes of the file a file:// URL names ("file:///abs/path" or "file://localhost/abs/path", percent-
// encoded as URLs are). The path is made canonical (symbolic links resolved, "." and ".." removed) and must
// then lie inside the canonical media_dir, so that neither ".." nor a link inside the directory can lead out
// of it. Errors: INVALID_ARGUMENT for a malformed URL, a path outside the directory (the message does not say
// where it led), a missing file or one that is not a regular file; PAYLOAD_TOO_LARGE beyond max_bytes;
// INTERNAL when media_dir itself is unusable. An operator who lets others write into media_dir could race a
// link swap between the check and the open; the final component is opened without following links.
Result<std::string> read_media_file(std::string_view url, const std::string& media_dir, size_t max_bytes);

}  // namespace hearth
