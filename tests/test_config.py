"""`portal config check`: every problem of a file at once, keyed; the example documents every option."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal import config as config_mod
from portal.cli import cli
from portal.config_cli import example

ROOT = Path(__file__).resolve().parent.parent

SEVERAL_MISTAKES = '''
datasets_dir = 5
port = 70000
colour = "red"
[quotas]
anonymous_per_minute = "sixty"
individual_per_minute = 0
[accounts]
audit_retention_days = 30
verifier = "no.such.module:Verifier"
[operations]
log_level = "loud"
max_body_bytes = 10
[queue.correction]
days = "five"
[bogus]
a = 1
'''
EXPECTED_KEYS = {"datasets_dir", "port", "colour", "bogus", "quotas.anonymous_per_minute",
                 "quotas.individual_per_minute", "accounts.audit_retention_days", "operations.log_level",
                 "operations.max_body_bytes", "queue.correction.days"}


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "datasets").mkdir(exist_ok=True)
    path = tmp_path / "portal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_several_mistakes_are_all_reported_with_their_keys(tmp_path):
    problems = config_mod.check(_write(tmp_path, SEVERAL_MISTAKES))
    keys = [k for k, _ in problems]
    # The accounts section is wrongly typed, so its plug-in is not imported; everything else is listed.
    assert set(keys) == EXPECTED_KEYS
    assert len(keys) == len(EXPECTED_KEYS)


def test_cli_lists_every_problem_and_exits_1(tmp_path):
    path = _write(tmp_path, SEVERAL_MISTAKES)
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 1
    for key in EXPECTED_KEYS:
        assert f"{key}: " in result.output
    assert f"{len(EXPECTED_KEYS)} 个问题" in result.output


def test_load_refuses_with_every_problem_too(tmp_path):
    with pytest.raises(config_mod.ConfigError) as e:
        config_mod.load(_write(tmp_path, SEVERAL_MISTAKES))
    assert {k for k, _ in e.value.problems} == EXPECTED_KEYS


def test_valid_file_passes(tmp_path):
    path = _write(tmp_path, 'datasets_dir = "datasets"\n[operations]\nmax_body_bytes = 2048\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 0, result.output
    assert config_mod.load(path).operations.max_body_bytes == 2048


@pytest.mark.parametrize("text, key", [
    ('datasets_dir = "nowhere"\n', "datasets_dir"),
    ('datasets_dir = "datasets"\nbuild_dir = "out"\nstate_dir = "out/state"\n', "state_dir"),
    ('datasets_dir = "datasets"\nstate_dir = "datasets/x.txt/state"\n', "state_dir"),
    ('datasets_dir = "datasets"\nmax_returned_rows = 50\ndefault_page_size = 100\n', "default_page_size"),
    ('datasets_dir = "datasets"\n[accounts]\nsender = "no.such.module:Sender"\n', "accounts.sender"),
    ('datasets_dir = "datasets"\n[queue]\ncalendar_overrides = "missing.toml"\n', "queue.calendar_overrides"),
])
def test_machine_problems_are_keyed(tmp_path, text, key):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "x.txt").write_text("a file, not a folder")
    path = tmp_path / "portal.toml"
    path.write_text(text, encoding="utf-8")
    assert key in [k for k, _ in config_mod.check(path)]


def test_secrets_required_from_the_environment(tmp_path, monkeypatch):
    path = _write(tmp_path, 'datasets_dir = "datasets"\nstate_dir = "state"\n[operations]\nrequire_env_secrets = true\n')
    for name in config_mod.SECRETS:
        monkeypatch.delenv(f"PORTAL_{name.upper()}", raising=False)
    monkeypatch.setenv("PORTAL_AUDIT", "short")
    keys = [k for k, _ in config_mod.check(path)]
    assert keys == [f"secrets.{n}" for n in config_mod.SECRETS]   # two missing, one too short
    with pytest.raises(config_mod.ConfigError):
        config_mod.load(path).secret("identity")   # and the running portal refuses to make a key file
    assert not (tmp_path / "state" / "secrets").exists()


def test_lost_key_file_with_existing_state_is_reported(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_AUDIT", raising=False)
    monkeypatch.delenv("PORTAL_IDENTITY", raising=False)
    path = _write(tmp_path, 'datasets_dir = "datasets"\nstate_dir = "state"\n')
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "portal.db").write_bytes(b"")
    keys = {k for k, _ in config_mod.check(path)}
    assert {"secrets.audit", "secrets.identity"} <= keys


def test_unreadable_toml_is_one_problem(tmp_path):
    problems = config_mod.check(_write(tmp_path, "port = = 1\n"))
    assert len(problems) == 1 and "cannot read" in problems[0][1]


def test_example_file_is_current_and_documents_every_option():
    text = (ROOT / "portal.example.toml").read_text(encoding="utf-8")
    assert text == example(), "regenerate: portal config example > portal.example.toml"
    cfg = config_mod.from_raw(tomllib.loads(text), Path("."))
    assert cfg == config_mod.Config()   # every default written is the real default
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith(("#", "[")):
            above = [x for x in lines[max(0, i - 12):i] if not x.startswith("[")]
            assert any(x.startswith("#") for x in above), f"option without a comment: {line}"
    for section, cls in config_mod.SECTIONS.items():
        body = text.split(f"\n[{section}]\n")[1]
        for name, f in cls.__dataclass_fields__.items():
            nested = hasattr(getattr(cls(), name), "__dataclass_fields__")
            assert (f"\n[{section}.{name}]\n" if nested else f"\n{name} = ") in body, f"{section}.{name}"
