"""The one rule for two copies of the same paper (same arXiv id): repeats inside one post (the
formats' dedupe) and a paper seen again in a later post (the store) both merge with `merge`.

- Metadata (title, authors, abstract, comment) leads from the copy with the newer arXiv version;
  at equal versions from the earlier copy.
- The Chinese summary and takeaways a reader saw first stay (the earlier copy leads).
- Except: two copies from the same post (same source and path) are one listing written twice, so
  their takeaways join, the earlier copy's first, a line already there not repeated (both clean,
  neither daily-arXiv's named parts). The store keeps no path, so a later post never joins.
- A leading value that is empty, or lossy (its `<field>_lossy` flag) while the other copy's is
  clean, gives way to the other copy's. A lossy value is kept only when no clean one exists, and
  then keeps its flag.
- The flag naming daily-arXiv's parts (`ai_parts=…`) goes with the takeaways kept.
- Links: the leading copy's over the other's; images: both, leading copy's first; version: the
  larger; topic, date, source and path: the earlier copy's, filled if empty.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jobs.models import Paper
from jobs.present.parts import AI_PARTS_FLAG

_METADATA = ("title", "authors", "abstract", "comment")
_READER_TEXT = ("summary", "takeaways")


def _lossy(paper: Paper, name: str) -> bool:
    return f"{name}_lossy" in paper.flags


def pick(lead: Paper, other: Paper, name: str) -> tuple[Any, bool]:
    """The value of field `name` and whether it is lossy, `lead` preferred."""
    first, second = getattr(lead, name), getattr(other, name)
    if first and not _lossy(lead, name):
        return first, False
    if second and not _lossy(other, name):
        return second, False
    if first:
        return first, True
    return second, bool(second) and _lossy(other, name)


def _line_key(line: str) -> str:
    """Two takeaway lines that differ only in spacing, case or the closing full stop are one line."""
    return " ".join(line.split()).rstrip("。.;；").casefold()


def _joined_takeaways(earlier: Paper, later: Paper) -> list[str] | None:
    """Both copies' takeaways when they are one listing written twice (see the module docstring), else None."""
    if not (earlier.path and earlier.path == later.path and earlier.source == later.source):
        return None
    if any(_lossy(p, "takeaways") or any(f.startswith(AI_PARTS_FLAG) for f in p.flags) for p in (earlier, later)):
        return None
    out: list[str] = []
    seen: set[str] = set()
    for line in earlier.takeaways + later.takeaways:
        key = _line_key(line)
        if key not in seen:
            seen.add(key)
            out.append(line)
    return out


def merge(earlier: Paper, later: Paper) -> Paper:
    """One paper from two copies of it, `earlier` seen first. Neither copy is changed."""
    newer = (later.version or 0) > (earlier.version or 0)
    lead, other = (later, earlier) if newer else (earlier, later)
    values: dict[str, Any] = {}
    lossy: list[str] = []
    for name in _METADATA + _READER_TEXT:
        value, is_lossy = pick(lead if name in _METADATA else earlier,
                               other if name in _METADATA else later, name)
        values[name] = value
        if is_lossy:
            lossy.append(f"{name}_lossy")
    joined = _joined_takeaways(earlier, later)
    if joined is not None:
        values["takeaways"] = joined

    def own(flag: str) -> bool:  # flags that travel with a field's value, not with the copy
        return flag.endswith("_lossy") or flag.startswith(AI_PARTS_FLAG)

    kept = [f for f in earlier.flags if not own(f)]
    kept += [f for f in later.flags if not own(f) and f not in kept]
    takeaways_from = earlier if values["takeaways"] is earlier.takeaways else later
    kept += [f for f in takeaways_from.flags if f.startswith(AI_PARTS_FLAG)]
    return replace(
        earlier,
        **values,
        version=max(earlier.version or 0, later.version or 0) or None,
        links={**other.links, **lead.links},
        images=lead.images + [i for i in other.images if i not in lead.images],
        flags=kept + lossy,
        topic=earlier.topic or later.topic,
        date=earlier.date or later.date,
        source=earlier.source or later.source,
        path=earlier.path or later.path,
    )
