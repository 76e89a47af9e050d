"""Tiny HTML builders for the generated pages (escaping, tables, badges, links)."""
from __future__ import annotations

import html
import re

# Python-Markdown's backslash escapes: a title's * _ [ ] ( ) ` ... must stay text, not become
# emphasis, code or a link (a "[x](javascript:...)" title would otherwise be an active link).
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!])")  # ">" needs none: it becomes &gt;


def esc(v) -> str:
    """Escape a value for HTML text or an attribute; None becomes an empty string."""
    return html.escape("" if v is None else str(v), quote=True)


def md_text(v) -> str:
    """A value for a Markdown line (the page's H1): Markdown-escaped, then HTML-escaped (so the
    backslashes never land inside an entity such as &#x27;)."""
    return esc(MARKDOWN_SPECIALS.sub(r"\\\1", "" if v is None else str(v)))


def cell(v) -> str:
    """A table cell's text: an em dash for missing values."""
    return "—" if v is None or v == "" else esc(v)


def table(headers: list[str], rows: list[list[str]], caption: str | None = None, cls: str = "odp-table",
          search: bool = True) -> str:
    """An HTML table; row values are already-escaped HTML. Header cells get scope="col".

    search=False keeps it out of Material's search index (bulky tables make the build slow)."""
    skip = " data-search-exclude" if not search else ""
    out = [f'<div class="odp-scroll" tabindex="0" role="region" aria-label="{esc(caption or "表格")}"{skip}>',
           f'<table class="{cls}">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    out += ["<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in rows]
    out.append("</tbody></table></div>")
    return "\n".join(out)


def dl(pairs: list[tuple[str, str]], cls: str = "odp-record") -> str:
    """A definition list of (term, already-escaped HTML value)."""
    items = "\n".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs)
    return f'<dl class="{cls}">\n{items}\n</dl>'


def badge(text: str, kind: str) -> str:
    return f'<span class="odp-badge odp-badge--{esc(kind)}">{esc(text)}</span>'


def link(href: str, text: str, cls: str | None = None) -> str:
    c = f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{esc(href)}"{c}>{esc(text)}</a>'


RAW_START, RAW_END = "<!--odp-raw-->", "<!--/odp-raw-->"


def block(*parts: str) -> str:
    """Join HTML parts into one raw-HTML block for Markdown (no blank lines inside, one after).

    The markers let site/hooks.py lift the block out before Markdown runs and put it back after:
    Python-Markdown's raw-HTML pass is the slowest step of a large build."""
    body = "\n".join(p for p in parts if p).replace("\n\n", "\n")
    return f"{RAW_START}\n{body}\n{RAW_END}\n\n"
