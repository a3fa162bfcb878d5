"""The selectolax extractor Warta used before trafilatura, kept only to compare against."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

# Elements that never hold article text.
_DROP = (
    "script, style, noscript, template, svg, iframe, form, button, nav, header, footer, aside, "
    "figure figcaption, [role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true]"
)
_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "div",
     "section", "article", "main", "br", "dd", "dt", "figcaption", "tr", "ul", "ol", "dl",
     "table", "tbody", "thead", "header", "hr"}
)  # fmt: skip
_BOILERPLATE_RE = re.compile(
    r"(cookie|share|subscribe|newsletter|advert|related|sidebar|comment|menu|breadcrumb|social)",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"[ \t\u00a0]+")


def _blocks(node: Node) -> list[str]:
    """Collect the text of block-level descendants, one string per block."""
    parts: list[str] = []
    current: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            current.append(child.text_content or "")
            continue
        if child.tag in _BLOCKS:
            if current:
                parts.append("".join(current))
                current = []
            if child.tag != "br":
                parts.extend(_blocks(child))
        else:
            current.append(child.text(deep=True, separator=""))
    if current:
        parts.append("".join(current))
    return parts


def html_to_text(html: str) -> tuple[str, str]:
    """Return (title, main text) of an HTML page; paragraphs are separated by newlines."""
    tree = HTMLParser(html)
    title_node = tree.css_first("h1") or tree.css_first("title")
    title = _SPACE_RE.sub(" ", title_node.text(deep=True)).strip() if title_node else ""
    for node in tree.css(_DROP):
        node.decompose()
    for node in tree.css("[class], [id]"):
        marker = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if _BOILERPLATE_RE.search(marker) and node.tag not in ("body", "html", "article", "main"):
            node.decompose()
    root = tree.css_first("article") or tree.css_first("main") or tree.body
    if root is None:
        return title, ""
    lines = [_SPACE_RE.sub(" ", block).strip() for block in _blocks(root)]
    return title, "\n".join(line for line in lines if line)
