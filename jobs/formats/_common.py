"""Pieces both format adapters use: arXiv links, code and project links, dates, field cleaning,
deduplication. The id parser and the path-date rule have their own homes (jobs.arxiv_id,
jobs.post_date) and are re-exported here for the adapters."""

from __future__ import annotations

import re
from datetime import date
from pathlib import PurePosixPath

from jobs.arxiv_id import parse_arxiv_id as parse_arxiv_id  # the adapters' one id parser
from jobs.merge import merge
from jobs.models import Paper, arxiv_abs_url
from jobs.post_date import date_from_path as date_from_path  # the one path-date rule
from jobs.text import URL_RE, clean_text, find_urls, trim_url


def arxiv_links(arxiv_id: str, version: int | None) -> dict[str, str]:
    suffix = f"v{version}" if version else ""
    return {"abs": arxiv_abs_url(arxiv_id), "pdf": f"https://arxiv.org/pdf/{arxiv_id}{suffix}"}


# --- code and project links --------------------------------------------------------------------------

_CODE_URL_RE = re.compile(
    r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|gitee\.com|"
    r"huggingface\.co/spaces)/([A-Za-z0-9_.\-]+)/([A-Za-z0-9_.\-]+)",
    re.I,
)
# Owners that are the digest's own tool or an LLM's placeholder, never a paper's code.
_NOT_CODE_OWNERS = frozenset(
    {
        *("kedreamix", "username", "user", "your-username", "yourusername", "your_username", "your-name"),
        *("yourname", "author", "authors", "example", "anonymous", "repo", "owner", "org", "organization"),
    }
)
_PLACEHOLDER_RE = re.compile(r"^(?:x+|\.+|_+|-+|\d+)$", re.I)
_PAGES_HOST_RE = re.compile(r"^https?://[^/\s]+\.(?:github\.io|gitlab\.io|pages\.dev)(?:[/?#]|$)", re.I)
_PROJECT_LABEL_RE = re.compile(
    r"(?:project|home|web)[\s_-]*(?:page|site)|website|homepage|project|demo\s*page|主页|项目", re.I
)
_ARXIV_HOST_RE = re.compile(r"^https?://(?:[a-z]+\.)?arxiv\.org/", re.I)


def is_code_url(url: str) -> bool:
    m = _CODE_URL_RE.match(url)
    if m is None:
        return False
    owner, repo = m.group(1).lower(), m.group(2).lower()
    return not (owner in _NOT_CODE_OWNERS or _PLACEHOLDER_RE.match(owner) or _PLACEHOLDER_RE.match(repo))


def find_code_url(*texts: str) -> str:
    """The first code repository URL (GitHub, GitLab, Hugging Face Space, ...) in the texts, in order."""
    for text in texts:
        if text and "http" in text:
            for url in find_urls(text):
                if is_code_url(url):
                    return url
    return ""


def entry_links(arxiv_id: str, version: int | None, comment: str, abstract: str, code: str = "") -> dict[str, str]:
    """abs and pdf, then code (`code` if the format found one, else a code host in the comment or
    abstract) and a project page, when there are any."""
    links = arxiv_links(arxiv_id, version)
    code = code or find_code_url(comment, abstract)
    if code:
        links["code"] = code
    project = find_project_url(comment, abstract)
    if project:
        links["project"] = project
    return links


def find_project_url(*texts: str) -> str:
    """The first project page URL in the texts: a github.io-style page, or a URL labelled as a project
    page / website / homepage (the label between the previous URL and this one)."""
    for text in texts:
        if not text or "http" not in text:
            continue
        prev_end = 0
        for m in URL_RE.finditer(text):
            url = trim_url(m.group(0))
            window = text[max(prev_end, m.start() - 48) : m.start()]
            prev_end = m.end()
            if _ARXIV_HOST_RE.match(url) or _CODE_URL_RE.match(url):
                continue
            if _PAGES_HOST_RE.match(url) or _PROJECT_LABEL_RE.search(window):
                return url
    return ""


# --- dates ------------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def valid_date(text: str) -> str:
    """The first YYYY-MM-DD in text if it is a real date, else ''."""
    m = _DATE_RE.search(text)
    if m is None:
        return ""
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return ""


def path_stem(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).stem if path else ""


# --- building records ---------------------------------------------------------------------------------


_GENERATED_FIELDS = frozenset({"summary", "takeaways"})  # LLM text: markdown bold markers go


def cleaned(value: str, field: str, flags: list[str], *, multiline: bool = False) -> str:
    """clean_text, noting `<field>_lossy` in flags when something could not be recovered."""
    if not value:
        return ""
    text, lossy = clean_text(value, multiline=multiline, strip_bold=field in _GENERATED_FIELDS)
    if lossy and f"{field}_lossy" not in flags:
        flags.append(f"{field}_lossy")
    return text


def cleaned_list(values: list[str], field: str, flags: list[str]) -> list[str]:
    out = []
    for value in values:
        text = cleaned(value, field, flags)
        if text:
            out.append(text)
    return out


def dedupe(papers: list[Paper], problems: list[str]) -> list[Paper]:
    """One record per arXiv id (version ignored): repeats merge by `jobs.merge.merge`."""
    seen: dict[str, Paper] = {}
    repeats: dict[str, int] = {}
    for paper in papers:
        kept = seen.get(paper.arxiv_id)
        if kept is None:
            seen[paper.arxiv_id] = paper
        else:
            seen[paper.arxiv_id] = merge(kept, paper)
            repeats[paper.arxiv_id] = repeats.get(paper.arxiv_id, 1) + 1
    if repeats:
        shown = ", ".join(f"{aid} x{n}" for aid, n in list(repeats.items())[:5])
        more = f" and {len(repeats) - 5} more" if len(repeats) > 5 else ""
        problems.append(f"{len(repeats)} paper(s) repeated inside the post, kept once: {shown}{more}")
    return list(seen.values())
