"""Counts with their noun: "1 paper", "2 papers", "1 篇论文"."""

from __future__ import annotations

from jobs.present.i18n import lang_of

# noun -> (English plural, zh-CN with its measure word, zh-TW)
_NOUNS: dict[str, tuple[str, str, str]] = {
    "paper": ("papers", "篇论文", "篇論文"),
    "topic": ("topics", "个主题", "個主題"),
    "subscription": ("subscriptions", "个订阅", "個訂閱"),
    "feed": ("feeds", "个推送频道", "個推送頻道"),
    "page": ("pages", "页", "頁"),
    "day": ("days", "天", "天"),
    "match": ("matches", "个匹配", "個符合"),
    "thread": ("threads", "个讨论串", "個討論串"),
}


def plural(n: int, noun: str, lang: str | None = "en") -> str:
    """`n` with `noun` in `lang`: "0 papers", "1 paper", "2 papers"; "1 篇论文", "3 篇論文".
    A noun not listed gets an English "s" and is left untranslated."""
    en_plural, zh_cn, zh_tw = _NOUNS.get(noun, (noun + "s", noun, noun))
    lang = lang_of(lang)
    if lang == "zh-CN":
        return f"{n} {zh_cn}"
    if lang == "zh-TW":
        return f"{n} {zh_tw}"
    return f"{n:,} {noun if n == 1 else en_plural}"
