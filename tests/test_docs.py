"""The README's CLI list and the real command tree agree (docs change with the code)."""
from __future__ import annotations

import re
from pathlib import Path

import click

from portal.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_top_level_command_is_in_the_readme():
    listed = set(re.findall(r"^portal ([a-z-]+)", README, re.M)) | set(re.findall(r"\| portal ([a-z-]+)", README))
    assert set(cli.commands) <= listed, f"missing from README: {sorted(set(cli.commands) - listed)}"


def test_every_command_named_in_the_readme_exists():
    for line in re.findall(r"^portal ([a-z-]+(?: [a-z|-]+)?)", README, re.M):
        name, *rest = line.split(" ")
        assert name in cli.commands, f"README names unknown command {name!r}"
        group = cli.commands[name]
        if rest and isinstance(group, click.Group):
            for sub in rest[0].split("|"):
                assert sub in group.commands, f"README names unknown command 'portal {name} {sub}'"


def test_make_targets_in_readme_exist():
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    for target in ("demo", "test", "bench"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M)
