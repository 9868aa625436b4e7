"""The reply catalogue: every string a reader sees in English, simplified and traditional Chinese.

`t(key, lang, **kw)` formats the entry for `lang`. An entry that depends on a count has English
"one"/"other" forms chosen by `n`; Chinese has no plural form. zh-TW strings are written in
traditional characters (and Taiwan's usual words: 程式碼, 伺服器, 頻道), not converted by machine.
"""

from __future__ import annotations

from typing import Any, Literal

Lang = Literal["en", "zh-CN", "zh-TW"]
LANGS: tuple[Lang, ...] = ("en", "zh-CN", "zh-TW")

_Forms = str | dict[str, str]  # a string, or {"one": …, "other": …} for English counts

CATALOGUE: dict[str, dict[Lang, _Forms]] = {
    # /topics
    "topics.title": {"en": "Topics ({n})", "zh-CN": "主题（{n}）", "zh-TW": "主題（{n}）"},
    "topics.line": {
        "en": {"one": "**{topic}** · {n} paper · latest {date}", "other": "**{topic}** · {n} papers · latest {date}"},
        "zh-CN": "**{topic}** · {n} 篇论文 · 最新 {date}",
        "zh-TW": "**{topic}** · {n} 篇論文 · 最新 {date}",
    },
    "topics.none": {"en": "No topics yet: no digest has been read.", "zh-CN": "还没有主题：尚未读取任何摘要。",
                    "zh-TW": "還沒有主題：尚未讀取任何摘要。"},
    # digests and feeds
    "papers.new": {"en": {"one": "{n} new paper", "other": "{n} new papers"}, "zh-CN": "{n} 篇新论文",
                   "zh-TW": "{n} 篇新論文"},
    "digest.header": {
        "en": {"one": "{topic} · {date} · {n} paper", "other": "{topic} · {date} · {n} papers"},
        "zh-CN": "{topic} · {date} · {n} 篇论文",
        "zh-TW": "{topic} · {date} · {n} 篇論文",
    },
    "digest.more": {"en": "…and {n} more", "zh-CN": "……还有 {n} 篇", "zh-TW": "……還有 {n} 篇"},
    "digest.more_ranked": {
        "en": "…and {n} more; shown first: keyword matches, then papers with code, then papers with a venue",
        "zh-CN": "……还有 {n} 篇；优先显示：关键词匹配、有代码、有发表会议的论文",
        "zh-TW": "……還有 {n} 篇；優先顯示：關鍵字符合、有程式碼、有發表會議的論文",
    },
    "digest.page": {"en": "Page {page}/{pages}", "zh-CN": "第 {page}/{pages} 页", "zh-TW": "第 {page}/{pages} 頁"},
    "latest.none": {"en": "No papers yet.", "zh-CN": "还没有论文。", "zh-TW": "還沒有論文。"},
    # cards
    "card.also_in": {"en": "also in: {topics}", "zh-CN": "也见于：{topics}", "zh-TW": "也見於：{topics}"},
    "card.matched": {"en": "Matched", "zh-CN": "匹配", "zh-TW": "符合"},
    "card.comment": {"en": "Comment", "zh-CN": "备注", "zh-TW": "備註"},
    "card.venue": {"en": "Venue", "zh-CN": "发表于", "zh-TW": "發表於"},
    "part.summary": {"en": "TL;DR", "zh-CN": "概要", "zh-TW": "概要"},
    "part.motivation": {"en": "Motivation", "zh-CN": "动机", "zh-TW": "動機"},
    "part.method": {"en": "Method", "zh-CN": "方法", "zh-TW": "方法"},
    "part.result": {"en": "Result", "zh-CN": "结果", "zh-TW": "結果"},
    "part.conclusion": {"en": "Conclusion", "zh-CN": "结论", "zh-TW": "結論"},
    # buttons and menus
    "button.pdf": {"en": "PDF", "zh-CN": "PDF", "zh-TW": "PDF"},
    "button.code": {"en": "Code", "zh-CN": "代码", "zh-TW": "程式碼"},
    "button.project": {"en": "Project", "zh-CN": "项目主页", "zh-TW": "專案頁面"},
    "button.abstract": {"en": "Abstract", "zh-CN": "摘要", "zh-TW": "摘要"},
    "button.follow_topic": {"en": "Follow topic", "zh-CN": "关注主题", "zh-TW": "追蹤主題"},
    "button.discuss": {"en": "Discuss", "zh-CN": "讨论", "zh-TW": "討論"},
    "button.prev": {"en": "Prev", "zh-CN": "上一页", "zh-TW": "上一頁"},
    "button.next": {"en": "Next", "zh-CN": "下一页", "zh-TW": "下一頁"},
    "menu.open_paper": {"en": "Open a paper…", "zh-CN": "打开一篇论文…", "zh-TW": "開啟一篇論文…"},
    # the language toggle names the language it switches to, in that language
    "toggle.to_zh": {"en": "中文", "zh-CN": "中文", "zh-TW": "中文"},
    "toggle.to_en": {"en": "English", "zh-CN": "English", "zh-TW": "English"},
    # /settings
    "language.en": {"en": "English", "zh-CN": "英文", "zh-TW": "英文"},
    "language.zh": {"en": "Chinese", "zh-CN": "中文", "zh-TW": "中文"},
    "language.both": {"en": "both languages", "zh-CN": "中英双语", "zh-TW": "中英雙語"},
    "settings.language_set": {
        "en": "Papers in this server now read in {language}.",
        "zh-CN": "本服务器的论文现在以{language}显示。",
        "zh-TW": "本伺服器的論文現在以{language}顯示。",
    },
    "settings.alerts_set": {
        "en": "Paperboy's alerts for this server now go to {channel}.",
        "zh-CN": "本服务器的 Paperboy 提醒现在发送到 {channel}。",
        "zh-TW": "本伺服器的 Paperboy 提醒現在傳送到 {channel}。",
    },
}


def lang_of(locale: str | None) -> Lang:
    """A Discord locale ("zh-CN", "zh-TW", "en-US", …) or a setting ("zh", "en") as a catalogue
    language; anything else reads English."""
    value = (locale or "").strip().replace("_", "-").casefold()
    if value in ("zh-tw", "zh-hk", "zh-hant", "zh-mo"):
        return "zh-TW"
    if value.startswith("zh"):
        return "zh-CN"
    return "en"


def t(key: str, lang: str | None, **kw: Any) -> str:
    """The catalogue entry `key` in `lang`, formatted with `kw` (`n` picks the English plural form).
    An unknown key is a programming error and raises KeyError."""
    forms = CATALOGUE[key][lang_of(lang)]
    if isinstance(forms, dict):
        n = kw.get("n", 0)
        forms = forms["one"] if n == 1 else forms["other"]
    return forms.format(**kw) if kw else forms
