"""Build the static site with MkDocs from the served release, and swap it in atomically."""
from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

from .config import Config

MKDOCS_YML = Path(__file__).resolve().parent.parent / "mkdocs.yml"


class SiteError(Exception):
    """The site could not be built (nothing published yet, or MkDocs failed)."""


def request_statistics(cfg: Config) -> dict | None:
    """The reply queue's statistics for the site (counts per department, no personal data);
    None when the portal has no state database yet (the pages then say 暂无申请)."""
    if not (Path(cfg.state_dir) / "portal.db").exists():
        return None  # never create the state database just to report that it is empty
    from .access import services
    from .queue_store import open_queue
    return open_queue(cfg, services(cfg).crypto).statistics()


def build_site(cfg: Config) -> Path:
    """Render build/site-<release>/ and point build/site at it; the old site is served until then."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException
    if not cfg.current.exists():
        raise SiteError(f"{cfg.current}: 尚未发布数据 (nothing published yet: run `portal publish` first)")
    release = cfg.current.resolve()
    out = cfg.build_dir / "sites" / release.name
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        public = {"site_url": cfg.site.base_url.rstrip("/") + "/"} if cfg.site.base_url else {}  # [site] base_url
        conf = load_config(str(MKDOCS_YML), site_dir=str(tmp.resolve()), **public)
        conf.extra["portal_release"] = str(release)
        conf.extra["portal_quotas"] = dataclasses.asdict(cfg.quotas)  # the published limits per tier
        conf.extra["portal_requests"] = request_statistics(cfg)
        build(conf)
    except MkDocsException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise SiteError(f"MkDocs 构建失败 (site build failed): {e}") from None
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    link = cfg.build_dir / f".site-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(out.relative_to(cfg.build_dir))
    os.replace(link, cfg.site_dir)
    for old in sorted((cfg.build_dir / "sites").iterdir())[:-cfg.keep_releases]:
        if old != out:
            shutil.rmtree(old, ignore_errors=True)
    return out
