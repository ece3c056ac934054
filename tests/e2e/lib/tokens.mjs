// Comparing hearth's token lists with llama-server's.

// True when the text ends inside a UTF-8 character as llama-server judges it (its validate_utf8: one of the last
// four bytes is a lead byte announcing more bytes than follow it).
function endsMidCharacter(bytes) {
    for (let i = 1; i <= 4 && i <= bytes.length; i++) {
        const c = bytes[bytes.length - i];
        if (((c & 0xe0) === 0xc0 && i < 2) || ((c & 0xf0) === 0xe0 && i < 3) || ((c & 0xf8) === 0xf0 && i < 4)) {
            return true;
        }
    }
    return false;
}

// llama-server gives no logprobs entry to a token after which its text ends inside a character: it holds the
// token's bytes back and reports them with the next token's entry (and logprobs). Groups hearth's one entry per
// token the same way, so that the two lists line up.
export function groupLikeLlamaServer(entries) {
    const text = [];
    const groups = [];
    let pending = [];
    for (const entry of entries) {
        text.push(...entry.bytes);
        pending.push(...entry.bytes);
        if (!endsMidCharacter(text)) {
            groups.push({ ...entry, bytes: pending });
            pending = [];
        }
    }
    return groups;
}
