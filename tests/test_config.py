"""Config files as a user writes them: good ones load, bad ones name the file and the key (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from jobs.config import ConfigError
from jobs.config_load import load_config

REPO = Path(__file__).resolve().parents[1]

GOOD = """
database:
  path: {db}
sources:
  - name: local
    kind: directory
    format: kedreamix
    path: posts
  - name: arxiv
    kind: github
    format: daily-arxiv
    repo: dw-dengwei/daily-arXiv-ai-enhanced
    branch: data
    path: data/
    lookback_days: 3
schedule:
  time: 8:30
  timezone: Asia/Shanghai
feeds:
  max_per_cycle: 10
  images: false
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "posts").mkdir(exist_ok=True)
    f = tmp_path / "config.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def test_shipped_examples_are_valid() -> None:
    config = load_config(REPO / "config" / "config.example.yaml")
    assert [(s.name, s.kind, s.repo, s.branch) for s in config.sources] == [
        ("kedreamix", "github", "Kedreamix/MyBlog", "main"),
        ("daily-arxiv", "github", "dw-dengwei/daily-arXiv-ai-enhanced", "data"),
    ]
    load_config(REPO / "config" / "local.example.yaml")


def test_good_config_loads_every_key(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD.format(db=tmp_path / "p.db")))
    local, arxiv = config.sources
    assert local.path == str(tmp_path / "posts") and local.patterns == ["*.md"]
    assert (arxiv.path, arxiv.lookback_days, arxiv.patterns) == ("data", 3, ["*_AI_enhanced_*.jsonl"])
    assert config.schedule.time == "8:30"  # YAML's base-60 reading of 8:30 is undone
    assert config.schedule.timezone == "Asia/Shanghai"
    assert (config.feeds.max_per_cycle, config.feeds.images) == (10, False)
    assert config.database_path == tmp_path / "p.db"


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (("  images: false", "  images: false\n  colour: red"), "feeds.colour", "unknown key"),
        (("    kind: directory", "    kind: folder"), "sources[0].kind", "not one of: directory, github"),
        (("    format: kedreamix", "    format: rss"), "sources[0].format", "not one of"),
        (("    repo: dw-dengwei/daily-arXiv-ai-enhanced", "    repo: nope"), "sources[1].repo", "owner/name"),
        (("  time: 8:30", "  time: '25:00'"), "schedule.time", "time of day"),
        (("  timezone: Asia/Shanghai", "  timezone: Mars/Base"), "schedule.timezone", "IANA"),
        (("  max_per_cycle: 10", "  max_per_cycle: lots"), "feeds.max_per_cycle", "whole number"),
        (("    lookback_days: 3", "    lookback_days: -1"), "sources[1].lookback_days", "whole number"),
        (("  - name: arxiv", "  - name: local"), "sources[1].name", "used twice"),
        (("    path: posts", "    path: posts\n    repo: a/b"), "sources[0].repo", "only applies to kind: github"),
    ],
)
def test_bad_key_or_value_names_file_and_key(tmp_path: Path, change: tuple[str, str], key: str, words: str) -> None:
    text = GOOD.format(db=tmp_path / "p.db")
    assert change[0] in text
    f = write(tmp_path, text.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError) as err:
        load_config(f)
    message = str(err.value)
    assert message.startswith(f"{f}: {key}: "), message
    assert words in message


def test_check_config_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, GOOD.format(db=tmp_path / "p.db"))
    assert main(["check-config", str(good)]) == 0
    assert "OK" in capsys.readouterr().out

    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [\n", encoding="utf-8")
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "not valid YAML" in err

    assert main(["check-config", str(tmp_path / "missing.yaml")]) == 2
    assert "no such config file" in capsys.readouterr().err

    typo = write(tmp_path, "databse:\n  path: x.db\nsources: []\n")
    assert main(["--config", str(typo), "ingest"]) == 2
    assert "databse: unknown key" in capsys.readouterr().err


def test_watchdog_tolerance_is_configurable_and_checked(tmp_path: Path) -> None:
    base = GOOD.format(db=tmp_path / "p.db")
    assert load_config(write(tmp_path, base)).watchdog.missed_weekdays == 3
    config = load_config(write(tmp_path, base + "watchdog:\n  missed_weekdays: 5\n  gap_factor: 2\n"))
    assert (config.watchdog.missed_weekdays, config.watchdog.gap_factor) == (5, 2.0)
    for bad, key in (("missed_weekdays: 0", "watchdog.missed_weekdays"), ("gap_factor: yes", "watchdog.gap_factor"),
                     ("quiet: 1", "watchdog.quiet")):
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            load_config(write(tmp_path, base + f"watchdog:\n  {bad}\n"))
