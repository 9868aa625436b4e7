"""The venue a paper's arXiv comment names, as a short badge: "Accepted to CVPR 2025" -> "CVPR 2025".

Built from the comments in real digests (Kedreamix and daily-arXiv): acronyms with their spellings
("ECCV'24", "AAAI-25", "WACV25", "ECCV 26"), the full names people write out ("European Conference on
Computer Vision (ECCV) 2026") and the journals vision papers go to. A venue only in a clause that
says the paper was submitted or is under review is not a badge.
"""

from __future__ import annotations

import bisect
import re

# (badge name, spellings). Spellings are matched ignoring case unless listed in _CASED.
_CONFERENCES: list[tuple[str, tuple[str, ...]]] = [
    ("CVPR", ("CVPR", "Conference on Computer Vision and Pattern Recognition")),
    ("CVPR Workshop", ("CVPRW",)),
    ("ICCV", ("ICCV", "International Conference on Computer Vision")),
    ("ECCV", ("ECCV", "European Conference on Computer Vision")),
    ("NeurIPS", ("NeurIPS", "NIPS", "Neural Information Processing Systems")),
    ("ICLR", ("ICLR", "International Conference on Learning Representations")),
    ("ICML", ("ICML", "International Conference on Machine Learning")),
    ("AAAI", ("AAAI", "Association for the Advancement of Artificial Intelligence")),
    ("IJCAI", ("IJCAI-ECAI", "IJCAI", "International Joint Conference on Artificial Intelligence")),
    ("SIGGRAPH Asia", ("SIGGRAPH Asia", "SIGGRAPH-Asia")),
    ("SIGGRAPH", ("SIGGRAPH",)),
    ("ACM MM Asia", ("ACM MM Asia", "ACMMM Asia", "MM Asia")),
    ("ACM MM", ("ACM MM", "ACMMM", "ACM Multimedia", "ACM International Conference on Multimedia")),
    ("3DV", ("3DV", "International Conference on 3D Vision")),
    ("WACV", ("WACV", "Winter Conference on Applications of Computer Vision")),
    ("BMVC", ("BMVC", "British Machine Vision Conference")),
    ("ACCV", ("ACCV", "Asian Conference on Computer Vision")),
    ("MICCAI", ("MICCAI", "Medical Image Computing and Computer Assisted Intervention",
                "Medical Image Computing and Computer-Assisted Intervention")),
    ("MIDL", ("MIDL",)),
    ("ISBI", ("ISBI",)),
    ("ICRA", ("ICRA", "International Conference on Robotics and Automation")),
    ("IROS", ("IROS", "International Conference on Intelligent Robots and Systems")),
    ("RSS", ("RSS", "Robotics: Science and Systems")),
    ("CoRL", ("CoRL", "Conference on Robot Learning")),
    ("ACL", ("ACL",)),
    ("EMNLP", ("EMNLP",)),
    ("NAACL", ("NAACL",)),
    ("COLING", ("COLING",)),
    ("LREC", ("LREC",)),
    ("Interspeech", ("Interspeech",)),
    ("ICASSP", ("ICASSP", "International Conference on Acoustics, Speech and Signal Processing")),
    ("ICME", ("ICME",)),
    ("ICIP", ("ICIP",)),
    ("ICPR", ("ICPR",)),
    ("ICDAR", ("ICDAR",)),
    ("MMM", ("MMM",)),
    ("KDD", ("KDD", "SIGKDD")),
    ("ECML PKDD", ("ECML PKDD", "ECML-PKDD")),
    ("SDM", ("SDM",)),
    ("WSDM", ("WSDM",)),
    ("SIGIR", ("SIGIR",)),
    ("WWW", ("WWW", "The Web Conference")),
    ("CHI", ("CHI",)),
    ("UIST", ("UIST",)),
    ("CSCW", ("CSCW",)),
    ("AISTATS", ("AISTATS",)),
    ("UAI", ("UAI",)),
    ("COLT", ("COLT",)),
    ("Eurographics", ("Eurographics",)),
    ("Pacific Graphics", ("Pacific Graphics",)),
    ("PG", ("PG",)),
    ("I3D", ("I3D",)),
    ("IEEE VIS", ("VIS",)),
    ("MIG", ("SIGGRAPH MIG",)),
    ("ISMRM", ("ISMRM",)),
    ("SIGDIAL", ("SIGDIAL",)),
    ("CogSci", ("CogSci",)),
    ("EC", ("EC", "ACM Conference on Economics and Computation")),
]
# Journals take no year: "TPAMI", not "TPAMI 2024".
_JOURNALS: list[tuple[str, tuple[str, ...]]] = [
    ("TPAMI", ("TPAMI", "T-PAMI", "PAMI", "Transactions on Pattern Analysis and Machine Intelligence")),
    ("IJCV", ("IJCV", "International Journal of Computer Vision")),
    ("TIP", ("TIP", "Transactions on Image Processing")),
    ("TVCG", ("TVCG", "Transactions on Visualization and Computer Graphics")),
    ("TOG", ("TOG", "ACM Transactions on Graphics", "ACM Trans. Graph.")),
    ("TMM", ("TMM", "Transactions on Multimedia")),
    ("TCSVT", ("TCSVT", "Transactions on Circuits and Systems for Video Technology")),
    ("TNNLS", ("TNNLS", "Transactions on Neural Networks and Learning Systems")),
    ("TMI", ("TMI", "Transactions on Medical Imaging")),
    ("RA-L", ("RA-L", "RAL", "Robotics and Automation Letters")),
    ("TMLR", ("TMLR", "Transactions on Machine Learning Research")),
    ("JMLR", ("JMLR", "Journal of Machine Learning Research")),
    ("CGF", ("Computer Graphics Forum",)),
    ("MedIA", ("MedIA", "Medical Image Analysis")),
    ("JBHI", ("JBHI", "Journal of Biomedical and Health Informatics")),
    ("MELBA", ("MELBA",)),
]
# Short acronyms that are also words or common letters: their exact case only.
_CASED = {"TIP", "RAL", "PG", "VIS", "CHI", "RSS", "EC", "WWW", "SDM", "MMM", "UAI", "COLT", "TMI", "TOG",
          "ACL", "MM Asia", "PAMI", "MedIA", "I3D", "MIG"}

_BADGE: dict[str, tuple[str, bool]] = {}  # folded spelling -> (badge, is_journal)
for _table, _journal in ((_CONFERENCES, False), (_JOURNALS, True)):
    for _badge, _spellings in _table:
        for _s in _spellings:
            _BADGE[_s if _s in _CASED else _s.casefold()] = (_badge, _journal)


def _alternation(spellings: list[str]) -> str:
    # Longest first so that "SIGGRAPH Asia" wins over "SIGGRAPH"; spaces match any run of spaces.
    return "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in sorted(spellings, key=len, reverse=True))


_ALL = [s for t in (_CONFERENCES, _JOURNALS) for _, ss in t for s in ss]
_VENUE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?P<cased>" + _alternation([s for s in _ALL if s in _CASED]) + r")|(?i:(?P<any>"
    + _alternation([s for s in _ALL if s not in _CASED]) + r")))(?![A-Za-z])"
)
# A year right after the venue: "2025", " 2025", "'24", "-25", "25", ", 2024", "(ECCV) 2026", ") 2026".
_YEAR_AFTER_RE = re.compile(
    r"\)?[ \t]*(?:\([A-Za-z0-9\- ]{1,15}\)[ \t]*)?,?[ \t]*[-'’]?[ \t]*((?:19|20)\d\d|\d\d)(?!\d)"
)
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_CLAUSE_END_RE = re.compile(r"[.;](?:\s|$)|\n")
_NOT_YET_RE = re.compile(r"submit|submission|under\s+review|\breview(?:ed)?\s+(?:at|for|in|by)|peer\s+review", re.I)
_ACCEPTED_RE = re.compile(r"accept|publish|to\s+appear|camera[-\s]ready|present", re.I)
_WORKSHOP_RE = re.compile(r"workshop", re.I)
_FINDINGS_RE = re.compile(r"findings", re.I)
_HONOUR_RE = re.compile(r"\b(oral|spotlight|highlight|best\s+paper)\b", re.I)
_YEAR_WINDOW = 80
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|(?<!\S)\S+\.github\.io\S*", re.I)
_MAX_CHARS = 2000  # comments are a line or two; a longer one is read this far
_NEED_YEAR = {"PG", "EC", "IEEE VIS", "MMM", "SDM"}
_NAME_GOES_ON_RE = re.compile(r"[ \t]+(?:and[ \t]+)?[A-Z][a-z]")
_YEAR_BEFORE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)[ \t]+(?:the[ \t]+)?$")
# Any other venue: an acronym with at least two capitals and a year beside it ("GCPR 2024",
# "CONCUR'26", "CoNLL 2026"), trusted only where the clause says the paper was accepted or the
# comment starts with it.
_OTHER_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Za-z]{1,9})[ \t]?[-'’]?((?:19|20)\d\d|\d\d)(?![\d])")
_NOT_VENUES = {"IEEE", "ACM", "SIAM", "ISSN", "COVID", "USENIX", "LNCS", "CCF", "SOTA", "GPU", "GPT", "LLM",
               "MRI", "CT", "RGB", "HDR", "CPU"}


class _Clauses:
    """A comment cut into sentence-like clauses, each read once: whether it says the paper was only
    submitted, and what kind of acceptance it names."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.ends = []
        for m in _CLAUSE_END_RE.finditer(text):
            self.ends.append(m.start())
            self.starts.append(m.end())
        self.ends.append(len(text))
        self._cache: dict[int, tuple[bool, bool, str]] = {}

    def index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def end(self, pos: int) -> int:
        return self.ends[self.index(pos)]

    def read(self, pos: int) -> tuple[bool, bool, str]:
        """(only submitted, says accepted, kind: " Workshop", " Findings", " Oral", … or "")."""
        i = self.index(pos)
        if i not in self._cache:
            clause = self.text[self.starts[i]:self.ends[i]]
            accepted = _ACCEPTED_RE.search(clause) is not None
            self._cache[i] = (_NOT_YET_RE.search(clause) is not None and not accepted, accepted, _kind(clause))
        return self._cache[i]


def _year(text: str, end: int, clause_end: int) -> str:
    m = _YEAR_AFTER_RE.match(text, end)
    if m:
        y = m.group(1)
        return y if len(y) == 4 else f"20{y}"
    # "Proceedings of the AAAI Conference on Artificial Intelligence, 2024": later in the same clause
    m = _YEAR_RE.search(text, end, min(clause_end, end + _YEAR_WINDOW))
    return m.group(0) if m else ""


def _year_before(text: str, start: int) -> str:
    """"the 2024 International Conference on 3D Vision"."""
    m = _YEAR_BEFORE_RE.search(text, max(0, start - 12), start)
    return m.group(1) if m else ""


def venue_badge(comment: str) -> str | None:
    """A short badge for the venue `comment` names ("CVPR 2025", "ICLR 2025 Oral", "ICML 2026 Workshop",
    "TPAMI"), or None when it names none or only one the paper was submitted to."""
    if not comment:
        return None
    comment = _URL_RE.sub(" ", comment[:_MAX_CHARS])  # "eccv-demo.github.io" names no venue
    clauses = _Clauses(comment)
    first: str | None = None
    for m in _VENUE_RE.finditer(comment):
        spelling = m.group("cased") or " ".join(m.group("any").split()).casefold()
        badge, journal = _BADGE.get(spelling, (None, False))
        if badge is None or (len(spelling) > 15 and _NAME_GOES_ON_RE.match(comment, m.end())):
            continue  # "International Conference on Computer Vision Theory and Applications" is not ICCV
        only_submitted, _, kind = clauses.read(m.start())
        if only_submitted:
            continue
        year = "" if journal else (_year(comment, m.end(), clauses.end(m.start())) or _year_before(comment, m.start()))
        if badge in _NEED_YEAR and not year:
            continue  # too short to trust without a year beside it
        text = f"{badge} {year}" if year else badge
        if not journal and not badge.endswith("Workshop"):
            text += " Workshop" if m.start() and comment[m.start() - 1] == "@" else kind
        if year:
            return text  # the first venue with a year wins
        first = first or text
    return first or _other_venue(comment, clauses)


def _kind(clause: str) -> str:
    """" Workshop", " Findings", " Oral", " Spotlight", … or ""."""
    if _WORKSHOP_RE.search(clause):
        return " Workshop"
    if _FINDINGS_RE.search(clause):
        return " Findings"
    honour = _HONOUR_RE.search(clause)
    return " " + " ".join(honour.group(1).split()).title() if honour else ""


def _other_venue(comment: str, clauses: _Clauses) -> str | None:
    for m in _OTHER_RE.finditer(comment):
        name, year = m.group(1), m.group(2)
        if name in _NOT_VENUES or sum(c.isupper() for c in name) < 2:
            continue
        only_submitted, accepted, kind = clauses.read(m.start())
        if not only_submitted and (m.start() == 0 or accepted):
            year = year if len(year) == 4 else f"20{year}"
            return f"{name} {year}{kind}"
    return None
