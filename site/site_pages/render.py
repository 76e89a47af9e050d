"""Every generated page of the site, keyed by its path under docs_dir, from the published catalogue."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from . import departments, forms, listing, stats
from .catalog import dept_slug, load_catalog, load_history  # noqa: F401  (the hooks' entry points)
from .dataset import dataset_page
from .home import home

DEFAULT_BASE_URL = "http://127.0.0.1:8001"


def pages(catalog: dict, release: Path | None, today: date | None = None, base_url: str = DEFAULT_BASE_URL,
          history: dict | None = None) -> dict[str, str]:
    """Path (relative to docs_dir) -> content: Markdown pages plus the catalogue's JSON index."""
    today = today or date.today()
    base_url = base_url.rstrip("/")
    history = history or {}
    groups = departments.by_department(catalog)
    out = {"index.md": home(catalog, today), "catalog/index.md": listing.catalog_page(catalog, today),
           "catalog/index.json": listing.index_json(catalog, today),
           "statistics/index.md": stats.statistics_page(catalog, today),
           "departments/index.md": departments.departments_index(groups, today)}
    for name, entries in groups.items():
        out[f"departments/{dept_slug(name)}/index.md"] = departments.department_page(name, entries, today)
    for ident, e in catalog.items():
        out[f"datasets/{ident}/index.md"] = dataset_page(release, e, today, base_url, history.get(ident, []))
    out.update(forms.pages(catalog))
    return out
