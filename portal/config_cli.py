"""`portal config check` (every problem of a configuration file at once) and `portal config example`."""
from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path

import click

from . import config as config_mod

_FIELD = re.compile(r"^\s{4}(\w+)\s*:")


@click.group("config")
def config_group():
    """The portal's configuration file (TOML): check it, or print a documented example."""


@config_group.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def config_check(ctx, file):
    """Validate FILE (default: --config, else ./portal.toml) and list every problem with its key."""
    file = file or (ctx.find_root().obj or {}).get("config_file") or Path("portal.toml")
    problems = config_mod.check(file)
    for key, message in config_mod.deprecations(file):
        click.echo(f"警告 (warning) {key}: {message}", err=True)
    for key, message in problems:
        click.echo(f"{key}: {message}", err=True)
    if problems:
        click.echo(f"{len(problems)} 个问题 (problems) in {file}", err=True)
        ctx.exit(1)
    click.echo(f"配置有效 (configuration valid): {file}")


@config_group.command("example")
def config_example():
    """Print every option with its default and its comment (the source of portal.example.toml)."""
    click.echo(example(), nl=False)


def _comments(cls) -> dict[str, list[str]]:
    """The comment lines written just above each field in the class source."""
    out, pending = {}, []
    for line in inspect.getsource(cls).splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped)
            continue
        m = _FIELD.match(line)
        if m:
            out[m.group(1)] = pending
        pending = []
    return out


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Path):
        v = str(v)
    return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v)


def _table(cls, instance, header: str | None) -> list[str]:
    lines = [f"[{header}]", f"# {inspect.getdoc(cls).splitlines()[0]}"] if header else []
    notes = _comments(cls)
    subtables = []
    for f in dataclasses.fields(cls):
        v = getattr(instance, f.name)
        if f.name == "extra" or (header is None and f.name in config_mod.SECTIONS):
            continue
        if dataclasses.is_dataclass(v):
            subtables.append((f.name, v))
            continue
        lines += notes.get(f.name, [])
        if v is None:
            lines.append(f"# {f.name} = (unset)")
        else:
            lines.append(f"{f.name} = {_value(v)}")
    for name, sub in subtables:
        lines += ["", *notes.get(name, []), *_table(type(sub), sub, f"{header}.{name}")[0:1],
                  *_table(type(sub), sub, f"{header}.{name}")[2:]]
    return lines


def example() -> str:
    """The whole configuration with its defaults, documented by the comments in portal/config.py."""
    lines = ["# portal.toml — the portal's configuration. Every option is shown with its default;",
             "# delete what you do not change. Check a file with `portal config check FILE`.",
             "# Relative paths are relative to this file. Secrets never go here: they come from the",
             "# environment (PORTAL_<NAME>) or from state/secrets/<name>.key:"]
    lines += [f"#   PORTAL_{n.upper()}: {why}" for n, why in config_mod.SECRETS.items()]
    lines += ["", *_table(config_mod.Config, config_mod.Config(), None)]
    for name, cls in config_mod.SECTIONS.items():
        lines += ["", *_table(cls, cls(), name)]
    return "\n".join(lines) + "\n"
