// Markdown to DOM nodes for model replies, never through innerHTML: whatever a model writes ends up as text.
// Fenced code blocks, headings, bullet and numbered lists, paragraphs; inline code, bold, italics and links
// (http and https only, opened without a referrer). An unclosed fence (a reply still streaming) is a code block.

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\((https?:\/\/[^\s)]+)\))/;

function inline(text) {
    const out = [];
    let rest = text;
    for (;;) {
        const m = INLINE.exec(rest);
        if (!m) {
            break;
        }
        if (m.index > 0) {
            out.push(document.createTextNode(rest.slice(0, m.index)));
        }
        const token = m[0];
        let node;
        if (m[1]) {
            node = document.createElement('code');
            node.textContent = token.slice(1, -1);
        } else if (m[2]) {
            node = document.createElement('strong');
            node.append(...inline(token.slice(2, -2)));
        } else if (m[3]) {
            node = document.createElement('em');
            node.append(...inline(token.slice(1, -1)));
        } else {
            node = document.createElement('a');
            node.textContent = token.slice(1, token.indexOf(']('));
            node.href = m[5];
            node.rel = 'noopener noreferrer';
            node.target = '_blank';
        }
        out.push(node);
        rest = rest.slice(m.index + token.length);
    }
    if (rest) {
        out.push(document.createTextNode(rest));
    }
    return out;
}

function codeBlock(lines, language) {
    const pre = document.createElement('pre');
    const code = document.createElement('code');
    if (/^[\w+-]+$/.test(language)) {
        code.className = `language-${language}`;
    }
    code.textContent = lines.join('\n');
    pre.append(code);
    return pre;
}

function paragraph(lines) {
    const p = document.createElement('p');
    lines.forEach((line, i) => {
        if (i > 0) {
            p.append(document.createElement('br'));
        }
        p.append(...inline(line));
    });
    return p;
}

const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

// Lines from `start` that are items of one list; returns the list element and the next line's index.
function list(lines, start, pattern, tag) {
    const node = document.createElement(tag);
    let i = start;
    for (; i < lines.length && pattern.test(lines[i]); i++) {
        const li = document.createElement('li');
        li.append(...inline(pattern.exec(lines[i])[1]));
        node.append(li);
    }
    return [node, i];
}

export function renderMarkdown(text) {
    const fragment = document.createDocumentFragment();
    const lines = text.split('\n');
    let para = [];
    const flush = () => {
        if (para.length > 0) {
            fragment.append(paragraph(para));
            para = [];
        }
    };
    for (let i = 0; i < lines.length;) {
        const line = lines[i];
        const fence = /^\s*```(.*)$/.exec(line);
        const heading = /^(#{1,6})\s+(.*)$/.exec(line);
        if (fence) {
            flush();
            const body = [];
            for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) {
                body.push(lines[i]);
            }
            fragment.append(codeBlock(body, fence[1].trim()));
            i++;
        } else if (heading) {
            flush();
            const h = document.createElement(`h${Math.min(heading[1].length + 2, 6)}`);
            h.append(...inline(heading[2]));
            fragment.append(h);
            i++;
        } else if (BULLET.test(line) || NUMBERED.test(line)) {
            flush();
            const [node, next] = BULLET.test(line) ? list(lines, i, BULLET, 'ul') : list(lines, i, NUMBERED, 'ol');
            fragment.append(node);
            i = next;
        } else if (line.trim() === '') {
            flush();
            i++;
        } else {
            para.push(line);
            i++;
        }
    }
    flush();
    return fragment;
}
