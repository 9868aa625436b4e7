"""Plurals and the reply catalogue in English, simplified and traditional Chinese."""

from __future__ import annotations

import re
import string

import pytest

from jobs.present.i18n import CATALOGUE, LANGS, lang_of, t
from jobs.present.plural import plural

# Characters that exist only in simplified Chinese (their traditional forms differ): none may
# appear in a zh-TW string.
# (道 is the same in both scripts: 频道 is 頻道.)
SIMPLIFIED_ONLY = set("论题页开讨关还个订阅码务设语双见于动结这没择显频优键词发会议备项专录读现将内"
                      "简认时间换么为们对从")


def test_plural() -> None:
    assert plural(0, "paper") == "0 papers"
    assert plural(1, "paper") == "1 paper"
    assert plural(2, "paper", "en-GB") == "2 papers"
    assert plural(1234, "paper") == "1,234 papers"
    assert plural(1, "paper", "zh-CN") == "1 篇论文"
    assert plural(3, "paper", "zh-TW") == "3 篇論文"
    assert plural(2, "match") == "2 matches"
    assert plural(1, "topic", "zh") == "1 个主题"


def test_counts_pick_english_forms() -> None:
    line = "**3DGS** · {} · latest 2025-06-30"
    assert t("topics.line", "en-US", topic="3DGS", n=1, date="2025-06-30") == line.format("1 paper")
    assert t("topics.line", "en-US", topic="3DGS", n=12, date="2025-06-30") == line.format("12 papers")
    assert t("papers.new", "zh-CN", n=5) == "5 篇新论文"
    assert t("digest.header", "en", topic="NeRF", date="2025-06-30", n=30) == "NeRF · 2025-06-30 · 30 papers"
    assert t("digest.header", "zh-TW", topic="NeRF", date="2025-06-30", n=30) == "NeRF · 2025-06-30 · 30 篇論文"
    assert t("digest.more", "en", n=66) == "…and 66 more"
    assert t("card.also_in", "zh-CN", topics="NeRF, 3DGS") == "也见于：NeRF, 3DGS"


@pytest.mark.parametrize(("locale", "lang"), [
    ("zh-CN", "zh-CN"), ("zh-TW", "zh-TW"), ("zh", "zh-CN"), ("en-US", "en"), ("en-GB", "en"), ("fr", "en"),
    ("", "en"), (None, "en"), ("zh_TW", "zh-TW"),
])
def test_lang_of(locale: str | None, lang: str) -> None:
    assert lang_of(locale) == lang


def test_every_entry_has_every_language_with_the_same_fields() -> None:
    for key, entry in CATALOGUE.items():
        assert set(entry) == set(LANGS), key
        fields = None
        for lang, forms in entry.items():
            texts = list(forms.values()) if isinstance(forms, dict) else [forms]
            if isinstance(forms, dict):
                assert set(forms) == {"one", "other"} and lang == "en", key
                assert all("{n}" in x for x in texts), key
            for text in texts:
                assert text.strip(), (key, lang)
                names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
                assert fields is None or names == fields, (key, lang)
                fields = names


def test_traditional_strings_are_traditional() -> None:
    for key, entry in CATALOGUE.items():
        assert not set(str(entry["zh-TW"])) & SIMPLIFIED_ONLY, (key, entry["zh-TW"])
        for lang in ("zh-CN", "zh-TW"):  # no English word left behind (names and placeholders aside)
            # Names, placeholders, arXiv ids and links, and `all` (a value members type) aside.
            text = re.sub(r"\{\w+\}|Paperboy|English|PDF|arXiv|https://\S+|`[^`]*`", "", str(entry[lang]))
            assert not re.search(r"[A-Za-z]{3,}", text), (key, lang)


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        t("no.such.key", "en")


def test_traditional_differs_from_simplified_where_the_script_does() -> None:
    """Every key in all three languages; zh-TW is its own text wherever zh-CN uses a simplified-only
    character (not a copy of the simplified one)."""
    for key, entry in CATALOGUE.items():
        assert all(entry.get(lang) for lang in LANGS), key
        if set(str(entry["zh-CN"])) & SIMPLIFIED_ONLY:
            assert entry["zh-TW"] != entry["zh-CN"], key
    assert t("card.more", "zh-TW", n=2) == "*另有 2 條見「摘要」*"
    assert t("card.more", "en", n=2) == "*+2 more under Abstract*"
