#pragma once
// The "content" of a chat message: a string, or an array of text and image parts. Internal to the api
// module (completions_request.cpp reads messages with it); image URLs are exposed for tests and fuzzing.
//
// Images follow OpenAI's chat API: {"type":"image_url","image_url":{"url":"...","detail":"auto|low|high"}}
// (also "image_url":"..." as a bare string, which some clients send), in user messages only. `detail` is
// checked and then dropped: hearth's vision models see every image whole. The URL may be
//   data:image/<png|jpeg|jpg|webp|gif|bmp>[;params];base64,<data>  decoded here (util/base64.h: whitespace
//       is skipped as browsers do; anything else outside the alphabet is refused). The declared type must be
//       an image type but need not match the bytes: clients often mislabel, and the server probes the bytes.
//   http://..., https://...  kept for the server, which fetches it only when remote media is allowed
//   file://...               kept for the server, which reads it only from its media directory
// Anything else is a 400 naming the URL's field.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "api/completions_request.h"
#include "api/json_body.h"
#include "util/result.h"

namespace hearth::api {

// Reads the message's "content" (reader is the message object's) into message.content (the text parts
// concatenated as they are: the client chose the spacing) and message.media (each image at the byte offset
// of content where it appeared). message.role must be set. Only assistant messages may leave content out.
Result<void> read_message_content(FieldReader& reader, ChatMessage& message);

// An image URL as sent in the field `param` (offset left 0). INVALID_ARGUMENT with `param` for anything
// that is not a base64 image data: URL, an http(s) URL or a file:// URL.
Result<MediaPart> parse_image_url(std::string_view url, const std::string& param);

// hearth's limits on the images of a request: more than max_images → INVALID_ARGUMENT naming the first
// part over the limit; an inline image over max_image_bytes → PAYLOAD_TOO_LARGE naming its field. (Remote
// and file images are measured by the server when it gets them.)
Result<void> check_media_limits(const std::vector<ChatMessage>& messages, const RequestLimits& limits);

}  // namespace hearth::api
