"""The Kedreamix paper digest: Hexo markdown posts, one topic per post (GUIDE 1.1).

A post is front matter, a disclaimer, a ``# YYYY-MM-DD 更新`` heading and one ``## <title>`` entry per
paper::

    ## <title>
    **Authors:A, B, C**
    <English abstract>
    (> <Chinese translation>, **论文及项目相关链接** — the December 2024 variant)
    [PDF](http://arxiv.org/abs/2410.18355v1) <comment>
    **Summary** / **摘要** / ...          <one paragraph>
    **Key Takeaways** / **要点** / ...    <bullets>
    **[ChatPaperFree](…)**               <long generated section, HTML or markdown, never "## ">
    <details> … <img src="…"> … </details>

The parser finds every boundary with one regex pass over the body, reads the short head of each entry
(title to ChatPaperFree) line by line, and only searches the long generated section for a code link.
"""

from __future__ import annotations

import re

from jobs.foreground import stepping
from jobs.formats._common import (
    cleaned,
    cleaned_list,
    date_from_path,
    dedupe,
    entry_links,
    find_code_url,
    is_code_url,
    parse_arxiv_id,
    path_stem,
    valid_date,
)
from jobs.models import FormatError, Paper, ParsedPost
from jobs.text import REPLACEMENT_CHAR, URL_RE, clean_text, trim_url

# Bytes a mojibake copy lost (GUIDE 1.1): a character containing one shows as U+FFFD after repair.
_LOST_BYTES = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xAD})


def _heading_word(word: str) -> str:
    """A regex for a heading word that still matches when a repaired mojibake copy lost a character."""
    out = []
    for ch in word:
        if ch == " ":
            out.append(r"\s*")
        elif _LOST_BYTES.intersection(ch.encode("utf-8")[1:]):
            out.append(f"(?:{re.escape(ch)}|{REPLACEMENT_CHAR})")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _heading_re(words: list[str]) -> re.Pattern[str]:
    # '**Summary**', '**Summary:**', '**Summary**：', '**摘要：**', '**Summary**: text on the same line'
    alternatives = "|".join(_heading_word(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"^\*\*\s*(?:{alternatives})\s*(?:[:：]\s*)?\*\*\s*(?:[:：]\s*)?(.*)$", re.I)


_SUMMARY_HEAD_RE = _heading_re(["Summary", "摘要", "概述", "概要", "总结", "總結"])
_TAKEAWAYS_HEAD_RE = _heading_re(
    [
        *("Key Takeaways", "Key Takeaway", "Takeaways", "要点", "关键要点", "主要要点", "主要内容", "关键见解"),
        *("重要要点", "关键点", "主要结论"),  # GUIDE 1.1's rarer headings
        *("要點", "關鍵要點", "主要要點", "關鍵見解", "重要要點", "關鍵點", "主要結論"),  # in traditional characters
    ]
)
# Every pattern over post text is linear on any input: no two quantifiers that can match the same
# characters stand next to each other ('\s*[:：]?\s*' is written '\s*(?:[:：]\s*)?'), and what a lazy
# '(.*?)\s*(?:\*\*)?$' did is plain string code (_authors). tests/test_format_hostile.py holds them to it.
_BOLD_ONLY_RE = re.compile(r"^\*\*[^*]{1,40}\*\*\s*(?:[:：]\s*)?$")
_SENTENCE_END = tuple("。．.!?！？…")
# '**Authors:A, B**', '**Authors:** A, B', '**Authors**: A, B': the head; the names are the rest of the line.
_AUTHORS_HEAD_RE = re.compile(r"^\*\*\s*(?:Authors?|作者)\s*(?:\*\*\s*)?[:：]", re.I)
_PDF_RE = re.compile(r"\[PDF\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_BULLET_RE = re.compile(r"^(?:[-*+]\s+|[•·▪●◦]\s*|\d{1,2}[.)、．](?!\d)\s*|[（(]\d{1,2}[)）]\s*)")
# Where an entry ends besides the next '## ': a repeated date heading or disclaimer (a post repeated
# inside itself).
# Matched against "\n" + body: a leading "\n" lets the regex engine jump from line break to line break
# where '^' with re.M tries every position (3x slower). A match's start is then the line's start in body.
_MARKER_RE = re.compile(r"\n(?:(## )|# \d{4}-\d{2}-\d{2}|>[ \t]*⚠)")
_DATE_HEADING_RE = re.compile(r"^#[ \t]+(\d{4}-\d{2}-\d{2})", re.M)
_IMG_RE = re.compile(
    # '[^<>]', not '[^>]': a run of '<img' with no '>' must not be rescanned from every '<img'.
    r"""<img\b[^<>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))|!\[[^\[\]\n]*\]\(\s*<?([^)\s>]+)""",
    re.I,
)
_DETAILS_RE = re.compile(r"<details\b.*?(?:</details\s*>|\Z)", re.S | re.I)
_URLS_LABEL_RE = re.compile(r"url|link|链接|鏈接|代码|代碼|code|github|gitlab|仓库|倉庫|项目|項目", re.I)
_FM_END_RE = re.compile(r"\n---[ \t]*(?:\n|\Z)")
_CPF_MARK = "[ChatPaperFree]("
_CLOSING_HASHES_RE = re.compile(r"\s#+\s*$")  # '## Title ##'


def looks_like(text: str) -> bool:
    """Whether text looks like a Kedreamix post (for format detection): Hexo front matter, a '[PDF](' link or
    a '# YYYY-MM-DD' heading."""
    head = text[:4000]
    return bool(head.lstrip().startswith("---") or "[PDF](" in text or _DATE_HEADING_RE.search(head))


def _front_matter(text: str, problems: list[str]) -> tuple[dict[str, str], str]:
    """(front matter as key -> raw value, body). Tolerates blank lines before the opening '---'."""
    stripped = text.lstrip()
    first_nl = stripped.find("\n")
    if not stripped.startswith("---") or stripped[: first_nl if first_nl >= 0 else None].strip() != "---":
        return {}, text
    end = _FM_END_RE.search(stripped, first_nl)
    if end is None:
        problems.append("front matter is not closed (no second '---' line)")
        return {}, stripped[first_nl + 1 :]
    meta: dict[str, str] = {}
    for line in stripped[first_nl + 1 : end.start()].split("\n"):
        if line and not line[0].isspace() and ":" in line:
            key, _, value = line.partition(":")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            meta[key.strip().lower()] = value
    return meta, stripped[end.end() :]


def _join_wrapped(first: str, second: str) -> str:
    """Join a wrapped line: no space where either side is CJK text or full-width punctuation."""
    if not first or not second or first[-1] >= "\u2e80" or second[0] >= "\u2e80":
        return first + second
    return f"{first} {second}"


def _authors(rest: str) -> str:
    """The names after '**Authors:': without the bold markers around them."""
    rest = rest.strip()
    if rest.startswith("**"):
        rest = rest[2:]
    if rest.endswith("**"):
        rest = rest[:-2]
    return rest.strip()


def _bold_summary(line: str, labelled: bool) -> str | None:
    """The text of a summary written as one bold line ('**本文提出……。**'): under a summary label any
    such line; with no label a sentence (it ends with a full stop) or longer than a label (labels such
    as '**论文及项目相关链接**' are under 12 characters); a line ending in a colon never."""
    if len(line) < 5 or not line.endswith("**") or line.count("**") != 2:
        return None
    inner = line[2:-2].strip()
    if not inner or inner.endswith((":", "：")):
        return None
    return inner if labelled or inner.endswith(_SENTENCE_END) or len(inner) >= 12 else None


def _takeaways(lines: list[str]) -> list[str]:
    """Bullet texts with the bullet or number removed; a line right under a bullet continues it. Lines
    that are not bullets (an LLM's 'here are the key points:') are dropped, unless nothing is a bullet."""
    items: list[str] = []
    loose: list[str] = []
    in_item = False
    for line in lines:
        s = line.strip()
        if not s:
            in_item = False
            continue
        m = _BULLET_RE.match(s)
        if m:
            items.append(s[m.end() :])
            in_item = True
        elif in_item:
            items[-1] = _join_wrapped(items[-1], s)
        else:
            loose.append(s)
    return items or loose


def _code_in_generated(text: str) -> str:
    """The first code URL on a links line of the generated section ('5. Urls: …', '链接：…')."""
    if "http" not in text:
        return ""
    # Whether a label stands before a URL on its line, scanning each stretch of a line once (a line of
    # many URLs must not be rescanned from its start for each one).
    scanned = 0
    labelled = False
    for m in URL_RE.finditer(text):
        nl = text.rfind("\n", scanned, m.start())
        if nl >= 0:
            scanned = nl + 1
            labelled = False
        if not labelled and _URLS_LABEL_RE.search(text, scanned, m.start()):
            labelled = True
        scanned = m.start()
        url = trim_url(m.group(0))
        if labelled and is_code_url(url):
            return url
    return ""


class _Post:
    """The parse of one post: entries become papers; notes go to problems."""

    def __init__(self, path: str, source: str, topic: str, date: str, problems: list[str]) -> None:
        self.path = path
        self.source = source
        self.topic = topic
        self.date = date
        self.problems = problems
        self.relative_images: list[str] = []

    def entry(self, chunk: str) -> Paper | None:
        nl = chunk.find("\n")
        title_line = chunk[3:nl] if nl >= 0 else chunk[3:]
        rest = chunk[nl + 1 :] if nl >= 0 else ""
        cpf = rest.find(_CPF_MARK)
        details = rest.find("<details")
        cuts = [i for i in (cpf, details) if i >= 0]
        head_end = min(cuts) if cuts else len(rest)
        if cpf >= 0:  # back to the start of the '**[ChatPaperFree](' line
            head_end = min(head_end, rest.rfind("\n", 0, cpf) + 1)
        head = rest[:head_end]

        flags: list[str] = []
        title = cleaned(_CLOSING_HASHES_RE.sub("", title_line), "title", flags)
        pdf_url = None
        comment = ""
        authors_raw = ""
        abstract: list[str] = []
        summary: list[str] = []
        takeaways: list[str] = []
        section: list[str] | None = None
        for line in head.split("\n"):
            s = line.strip()
            if pdf_url is None:
                m = _PDF_RE.search(s) if "[PDF](" in s else None
                if m:
                    pdf_url = m.group(1)
                    comment = s[m.end() :]
                elif not s:
                    if abstract and abstract[-1]:
                        abstract.append("")
                elif s.startswith("**") and (m := _AUTHORS_HEAD_RE.match(s)):
                    authors_raw = _authors(s[m.end() :])
                elif s.startswith(">") or _BOLD_ONLY_RE.match(s):
                    pass  # the December translation block, '**论文及项目相关链接**'
                else:
                    abstract.append(s)
                continue
            if s.startswith("**"):
                m = _SUMMARY_HEAD_RE.match(s)
                if m:
                    section = summary
                    section.append(m.group(1))
                    continue
                m = _TAKEAWAYS_HEAD_RE.match(s)
                if m:
                    section = takeaways
                    section.append(m.group(1))
                    continue
                if (
                    (section is summary or (section is None and not takeaways))
                    and not any(x.strip() for x in summary)
                    and (text := _bold_summary(s, section is summary))
                ):
                    # A summary written as a bold line, under a label or none; what follows it up to
                    # the next label continues it.
                    section = summary
                    section.append(text)
                    continue
                if _BOLD_ONLY_RE.match(s):
                    section = None
                    continue
            if section is not None:
                section.append(line)

        if pdf_url is None:
            if "**Authors" in head or "arxiv.org/abs/" in head:
                self.problems.append(f"entry {title[:60]!r} has no [PDF](…) arXiv link; skipped")
            return None
        parsed = parse_arxiv_id(pdf_url)
        if parsed is None:
            self.problems.append(f"entry {title[:60]!r}: [PDF] link {pdf_url[:80]!r} is not arXiv; skipped")
            return None
        arxiv_id, version = parsed

        comment_text = cleaned(comment, "comment", flags)
        abstract_text = cleaned("\n".join(abstract), "abstract", flags, multiline=True)
        generated = rest[cpf:] if cpf >= 0 else ""
        if details >= 0 and details > cpf >= 0:
            generated = rest[cpf:details]
        # The generated section's "Urls" line is the last resort: it holds placeholders as often as code.
        code = find_code_url(comment_text, abstract_text) or _code_in_generated(generated)
        links = entry_links(arxiv_id, version, comment_text, abstract_text, code)

        return Paper(
            arxiv_id=arxiv_id,
            version=version,
            title=title,
            authors=cleaned_list(authors_raw.split(","), "authors", flags) if authors_raw else [],
            abstract=abstract_text,
            summary=cleaned("\n".join(summary), "summary", flags, multiline=True),
            takeaways=cleaned_list(_takeaways(takeaways), "takeaways", flags),
            comment=comment_text,
            links=links,
            images=self.images(rest, head_end),
            topic=self.topic,
            date=self.date,
            source=self.source,
            path=self.path,
            flags=flags,
        )

    def images(self, rest: str, start: int) -> list[str]:
        found: list[str] = []
        pos = rest.find("<details", start)
        if pos < 0:
            return found
        for block in _DETAILS_RE.finditer(rest, pos):
            for m in _IMG_RE.finditer(block.group(0)):
                src = (m.group(1) or m.group(2) or m.group(3) or m.group(4) or "").strip()
                if src.startswith(("http://", "https://")):
                    src = clean_text(src)[0]
                    if src not in found:
                        found.append(src)
                elif src:
                    self.relative_images.append(src)
        return found


def parse(text: str, path: str = "", *, source: str = "", problems: list[str] | None = None) -> ParsedPost:
    """Parse one Kedreamix post, already decoded to text (see jobs.formats.parse_post)."""
    problems = [] if problems is None else problems
    meta, body = _front_matter(text, problems)

    topic, topic_lossy = clean_text(meta.get("title", ""))
    if topic_lossy or not topic:
        stem = path_stem(path)
        if topic_lossy:
            problems.append(f"topic {topic!r} is damaged; using the file name {stem!r}")
        topic = stem or topic
    heading = _DATE_HEADING_RE.search(body)
    date = date_from_path(path) or (valid_date(heading.group(1)) if heading else "") or valid_date(meta.get("date", ""))

    post = _Post(path, source, topic, date, problems)
    papers: list[Paper] = []
    entries = 0
    # A comprehension, not list(): bytecode between matches lets the event loop's thread take the GIL
    # while a big post is parsed in a worker thread.
    markers = [m for m in _MARKER_RE.finditer("\n" + body)]
    spans: list[tuple[int, int]] = []
    for i, m in enumerate(markers):
        if m.group(1) is None:
            continue
        start = m.start()
        end = markers[i + 1].start() if i + 1 < len(markers) else len(body)
        if (spans and spans[-1][1] == start and body.find("[PDF](", start, end) < 0
                and body.find("**Authors", start, end) < 0):
            # A heading inside the entry's generated section ('<h2>Paper:1</h2>' in its HTML, which a page
            # renders as the '## ' an entry starts with): the section goes on, screenshots and all.
            spans[-1] = (spans[-1][0], end)
            continue
        spans.append((start, end))
    for start, end in stepping(spans):  # a search in this process goes first (jobs/foreground.py)
        entries += 1
        paper = post.entry(body[start:end])
        if paper is not None:
            papers.append(paper)

    if not papers:
        if entries:
            raise FormatError(f"no papers found: none of the {entries} '## ' entries has a [PDF](...) link")
        if heading is None:
            raise FormatError(
                "no papers found: no '## ' entry with a [PDF](...) link and no '# YYYY-MM-DD 更新' heading"
            )
    if post.relative_images:
        problems.append(
            f"skipped {len(post.relative_images)} image(s) with a relative path, e.g. {post.relative_images[0]!r}"
        )
    return ParsedPost(papers=dedupe(papers, problems), topic=topic, date=date, problems=problems)
