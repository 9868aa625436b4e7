"""jobs.text: zero-width characters, mojibake, HTML, whitespace and URLs."""

from __future__ import annotations

import random
import re

import pytest

import jobs.text
from jobs.text import (
    HTML_TAG_RE,
    MOJIBAKE_RE,
    clean_lines,
    clean_text,
    collapse_ws,
    find_urls,
    first_match,
    has_mojibake,
    repair_mojibake,
    search_by_chunks,
    strip_html,
    strip_zero_width,
    trim_url,
)

_DROPPED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)


def mojibake(text: str, *, keep_undefined: bool = False) -> str:
    """What the wild copy did (GUIDE 1.1): UTF-8 bytes shown as cp1252, with the five undefined bytes
    and U+00AD dropped (or, with keep_undefined, kept as C1 control characters)."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _DROPPED:
            if keep_undefined:
                out.append(chr(byte))
            continue
        ch = bytes([byte]).decode("cp1252")
        if ch != "\xad":
            out.append(ch)
    return "".join(out)


# 研 究 语 言 模 型 — 语 (e8 af ad) loses U+00AD, 向 (e5 90 91) loses 0x90, 要 (e8 a6 81) loses 0x81.
CHINESE = "研究利用语言模型模拟游戏事件序列，提高游戏设计与个性化。方向：要点"


def test_zero_width_characters_are_removed() -> None:
    assert strip_zero_width("a\u200bb\u200c\u200dc\ufeff\u2060d") == "abcd"
    assert strip_zero_width("plain") == "plain"
    assert clean_text("\u200b  \u200b")[0] == ""


def test_mojibake_without_lost_bytes_is_repaired_exactly() -> None:
    text = "元宇宙/虚拟人，方向 🔴 “quoted” Pål Tomáš"
    assert repair_mojibake(mojibake(text, keep_undefined=True)) == (text, False)
    # characters none of whose bytes were dropped come back exactly even when others were dropped
    assert repair_mojibake(mojibake("元宇宙/虚拟人")) == ("元宇宙/虚拟人", False)


def test_mojibake_with_lost_bytes_keeps_what_is_readable_and_reports_lossy() -> None:
    damaged = mojibake(CHINESE)
    assert "æ" in damaged and "ï¼Œ" in damaged
    fixed, lossy = repair_mojibake(damaged)
    assert lossy
    assert not has_mojibake(fixed)
    assert "\ufffd" not in fixed
    assert fixed.startswith("研究利用")  # 语 is gone, the rest of the run survives
    assert "言模型" in fixed and "，" in fixed and "个性化。" in fixed
    assert "向" not in fixed and "要" not in fixed
    marked, _ = repair_mojibake(damaged, mark_lost=True)
    assert marked.count("\ufffd") >= 3


def test_lost_soft_hyphen_byte_of_i_acute_is_guessed_inside_a_word() -> None:
    # í is c3 ad; the copy dropped 0xAD, leaving 'Ã' alone. Inside a lower-case word only 'í' fits.
    fixed, lossy = repair_mojibake(mojibake("Jose M. Martínez，研究"))
    assert (fixed, lossy) == ("Jose M. Martínez，研究", True)


def test_mojibake_where_nbsp_became_a_space() -> None:
    fixed, lossy = repair_mojibake(mojibake("研究").replace("\xa0", " "))
    assert (fixed, lossy) == ("研究", False)


def test_real_accented_text_is_not_mistaken_for_mojibake() -> None:
    for text in ("Tomáš Gavenčiak", "Pål Halvorsen", "Fréchet – “distance”", "«Ö»", "Müller’s"):
        assert repair_mojibake(text) == (text, False)
        assert not has_mojibake(text)
        assert clean_text(text) == (text, False)


def test_has_mojibake() -> None:
    assert has_mojibake("æ–¹å‘")
    assert has_mojibake("ï¼Œ")
    assert has_mojibake("cafÃ©")
    assert has_mojibake("a\ufffdb")
    assert not has_mojibake("方向，")
    assert not has_mojibake("plain ASCII")


def test_replacement_characters_are_dropped_and_reported() -> None:
    assert clean_text("学\ufffd\ufffdUV布局") == ("学UV布局", True)
    assert repair_mojibake("x\ufffd") == ("x", True)


def test_strip_html_removes_tags_and_unescapes_entities() -> None:
    assert strip_html("<p>a <b>bold</b> &amp; <i>x</i></p>").strip() == "a bold & x"
    assert strip_html('<img src="x.jpg" align="middle">') == ""
    assert strip_html("A&lt;p&gt;B") == "AB"  # an escaped tag does not come back as a tag
    assert strip_html("see <https://github.com/a/b>.") == "see https://github.com/a/b."
    assert strip_html("<!-- note -->text") == "text"


def test_strip_html_keeps_angle_brackets_that_are_not_tags() -> None:
    for text in ("predicts <EOS> tokens", "$x<y$ and $a > b$", "<Methods>:", "R&D and AT&T"):
        assert strip_html(text) == text
        assert not HTML_TAG_RE.search(strip_html(text))


def test_whitespace() -> None:
    assert collapse_ws("  Runs   of\tspaces\n from  arXiv  ") == "Runs of spaces from arXiv"
    assert clean_lines("  a   b \n\n   c  ") == "a b\nc"
    assert clean_text("$E^{3}$Gen:  Efficient   Avatars")[0] == "$E^{3}$Gen: Efficient Avatars"
    assert clean_text("**Bold** text", strip_bold=True)[0] == "Bold text"


def test_urls() -> None:
    text = "Project page: https://a.github.io/x/. Code:   https://github.com/a/b, video (https://youtu.be/z)."
    assert find_urls(text) == ["https://a.github.io/x/", "https://github.com/a/b", "https://youtu.be/z"]
    assert find_urls("代码在https://github.com/a/b。获得") == ["https://github.com/a/b"]
    assert find_urls(r"\href{https://github.com/x/y}{https://github.com/x/y}$.") == [
        "https://github.com/x/y",
        "https://github.com/x/y",
    ]
    assert trim_url("https://en.wikipedia.org/wiki/A_(b))") == "https://en.wikipedia.org/wiki/A_(b)"
    assert find_urls("no links") == []


@pytest.mark.parametrize("text", ["", "a", "中文", "x" * 1000])
def test_clean_text_plain_text_is_not_lossy(text: str) -> None:
    assert clean_text(text) == (text, False)


@pytest.mark.parametrize("seed", range(20))
def test_a_scan_a_chunk_at_a_time_finds_what_one_scan_finds(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Posts are scanned a megabyte at a time (the GIL goes between); here 8 characters at a time, so that a
    two-character match straddles a chunk's end somewhere: the same first match, from any position."""
    monkeypatch.setattr(jobs.text, "_CHUNK", 8)
    rng = random.Random(seed)
    text = "".join(rng.choice("ab\nÃ©æ–") for _ in range(rng.randrange(0, 60)))
    for pattern in (MOJIBAKE_RE, re.compile("[–]")):
        for pos in range(len(text) + 1):
            want, got = pattern.search(text, pos), first_match(pattern, text, pos)
            assert (got and got.span()) == (want and want.span()), (text, pos)
        assert search_by_chunks(pattern, text) == (pattern.search(text) is not None)
