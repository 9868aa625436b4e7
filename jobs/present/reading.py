"""How a paper reads: the one place that decides its reading language (zh, en or both), the toggle between them,
and its lead — the text a card, a day's page, a menu or a search result opens with — with the fallback when the
Chinese text was lost (`summary_lossy`): the English abstract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jobs.models import Paper
from jobs.present.latex import readable
from jobs.present.summary import chinese_one_liner, english_one_liner

Reading = Literal["zh", "en", "both"]
READINGS: tuple[Reading, ...] = ("zh", "en", "both")
DEFAULT: Reading = "zh"  # the digests' own language
ENGLISH_MARK = "🇬🇧 "  # before the English under the Chinese, when a paper reads in both


def reading_of(chosen: str | None) -> Reading:
    """A stored setting as a reading language; anything else (unset, unknown) the default."""
    return chosen if chosen in READINGS else DEFAULT  # type: ignore[return-value]


def toggled(reading: str) -> Reading | None:
    """The language the 🌐 toggle switches a paper shown in `reading` to; None under both (nothing to switch)."""
    if reading == "both":
        return None
    return "zh" if reading == "en" else "en"


def single(reading: str) -> Reading:
    """The one language of a one-line place (a menu option, a search result): both reads as Chinese there."""
    return "en" if reading == "en" else "zh"


@dataclass(frozen=True, slots=True)
class Lead:
    """What a paper opens with: its Chinese and its English text, each "" when not shown."""

    chinese: str
    english: str

    def text(self, gap: str = "\n") -> str:
        """The lead as one text: the English under the Chinese (marked 🇬🇧, `gap` between) when both show."""
        if self.chinese and self.english:
            return f"{self.chinese}{gap}{ENGLISH_MARK}{self.english}"
        return self.chinese or self.english


def reads_english(paper: Paper) -> bool:
    """A paper with an abstract and no Chinese text at all (none written, none lost: arXiv's own listing) reads
    in English whatever the reading language: its lead the contribution sentence, its takeaways the method
    and result sentences."""
    return bool(paper.abstract) and not paper.summary and not paper.takeaways and "summary_lossy" not in paper.flags


def lead(paper: Paper, reading: str = DEFAULT, limit: int | None = None) -> Lead:
    """The lead of `paper` read in `reading`. zh: the Chinese summary; en: the abstract's contribution
    sentence; both: the two. The Chinese text lost, zh reads the English (the whole abstract when no
    `limit`); a paper that never had Chinese text (arXiv's own listing: `reads_english`) reads as en in
    every reading; no abstract, en reads the Chinese. With `limit` each text is one line of at most that many
    characters (the summary's first sentence; the contribution sentence cut at a word). TeX in the text
    reads as Unicode (jobs.present.latex.readable)."""
    if reads_english(paper):
        reading = "en"
    chinese = readable(paper.summary) if paper.summary and "summary_lossy" not in paper.flags else ""
    if chinese and limit is not None:
        chinese = chinese_one_liner(chinese, limit)
    abstract = readable(paper.abstract)
    english = english_one_liner(abstract, limit if limit is not None else 300) if abstract else ""
    if reading == "en" and english:
        return Lead("", english)
    if reading == "both" and chinese and english:
        return Lead(chinese, english)
    if chinese:
        return Lead(chinese, "")
    return Lead("", abstract if limit is None and abstract else english)
