"""Site build time: the portal site for N generated catalogue entries vs a plain MkDocs build of N pages.

Both builds use MkDocs + Material (zh, jieba search), run as fresh processes in the same run, so
jieba's and Material's start-up costs count equally. Prints seconds, pages and the ratio.

    python benchmarks/site.py            # 1,000 entries
    python benchmarks/site.py -n 200
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from faker import Faker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "site"))
from site_pages import fake  # noqa: E402

PLAIN_YML = """site_name: 基准
docs_dir: docs
theme: {name: material, language: zh, font: false}
plugins: [{search: {lang: zh}}]
"""


def portal_config(work: Path, release: Path) -> Path:
    """The real mkdocs.yml, inherited, pointed at the generated release."""
    yml = work / "portal.yml"
    yml.write_text(f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'site'}\nhooks: [{ROOT / 'site' / 'hooks.py'}]\n"
                   f"extra: {{portal_release: {release}}}\n", encoding="utf-8")
    return yml


def plain_config(work: Path, n: int) -> Path:
    fk = Faker("zh_CN")
    fk.seed_instance(1)
    docs = work / "plain" / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    for i in range(n):
        body = "\n\n".join(fk.paragraph(nb_sentences=5) for _ in range(4))
        (docs / f"page-{i:04d}.md").write_text(f"# {fk.sentence(nb_words=4)}\n\n{body}\n", encoding="utf-8")
    (work / "plain" / "mkdocs.yml").write_text(PLAIN_YML, encoding="utf-8")
    return work / "plain" / "mkdocs.yml"


def timed_build(config: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(out)],
                   check=True, cwd=config.parent, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="catalogue entries / plain pages (default 1000)")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        release = fake.write_release(work / "release", fake.catalog(n, date.today()), history=True)
        portal_yml, plain_yml = portal_config(work, release), plain_config(work, n)
        portal_s = timed_build(portal_yml, work / "out-portal")
        plain_s = timed_build(plain_yml, work / "out-plain")
        pages = sum(1 for _ in (work / "out-portal").rglob("*.html"))
        plain_pages = sum(1 for _ in (work / "out-plain").rglob("*.html"))
    print(f"portal site: {n} entries -> {pages} pages in {portal_s:.1f} s")
    print(f"plain MkDocs: {n} pages -> {plain_pages} pages in {plain_s:.1f} s")
    print(f"ratio portal/plain: {portal_s / plain_s:.2f} (per page: {portal_s / pages * 1000:.1f} ms vs "
          f"{plain_s / plain_pages * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
