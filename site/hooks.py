"""MkDocs hooks: generate the home, catalogue, dataset, department, statistics and form pages from _catalog."""
from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parent))  # MkDocs loads hooks by path, not as a package
from site_pages import render, scripts, stash  # noqa: E402  (page bodies, testable without MkDocs)

_pages: dict[str, str] = {}
_lifted: dict[str, list[str]] = {}  # page path -> raw HTML blocks kept away from Markdown


def on_config(config):
    global _pages
    release = config.extra.get("portal_release")
    release = Path(release) if release else None
    catalog = render.load_catalog(release) if release else {}
    history = render.load_history(release) if release else {}
    _pages = render.pages(catalog, release, base_url=config.site_url or render.DEFAULT_BASE_URL,
                          history=history, requests=config.extra.get("portal_requests"))
    return config


def on_files(files, config):
    for path, content in _pages.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    if "<!-- portal:quotas -->" in markdown:  # the developer page shows the configured limits
        markdown = markdown.replace("<!-- portal:quotas -->", render.quotas_table(config.extra.get("portal_quotas")))
    if page.file.src_uri not in _pages:
        return markdown
    markdown, _lifted[page.file.src_uri] = stash.lift(markdown)
    return markdown


def on_page_content(html, page, config, files):
    blocks = _lifted.pop(page.file.src_uri, None)
    return stash.restore(html, blocks) if blocks else html


def on_post_page(output, page, config):
    # Material writes lang="zh"; the portal declares the precise language tag.
    output = output.replace('<html lang="zh"', '<html lang="zh-CN"', 1)
    # Material's search dialog has no accessible name (axe: aria-dialog-name).
    output = output.replace('data-md-component="search" role="dialog"',
                            'data-md-component="search" role="dialog" aria-label="搜索"', 1)
    # The CSP runs no inline script: one in a page is a theme change to move into a file, or injected markup.
    bad = scripts.inline_scripts(output)
    if bad:
        raise PluginError(f"{page.file.src_uri}: 页面含内联脚本 (inline script in a built page): {bad[0]}")
    return output
