"""The venue badge a comment earns."""

from __future__ import annotations

import pytest

from jobs.present.venue import venue_badge


@pytest.mark.parametrize(("comment", "badge"), [
    ("Accepted to CVPR 2025", "CVPR 2025"),
    ("NeurIPS 2024 camera-ready", "NeurIPS 2024"),
    ("ECCV'24", "ECCV 2024"),
    ("Accepted by ECCV’24. Project page: https://example.org/x", "ECCV 2024"),
    ("SIGGRAPH Asia 2024 Conference Papers", "SIGGRAPH Asia 2024"),
    ("Published in SIGGRAPH 2025; code at https://github.com/a/b", "SIGGRAPH 2025"),
    ("Accepted to IEEE TPAMI", "TPAMI"),
    ("IEEE Transactions on Pattern Analysis and Machine Intelligence, 2025", "TPAMI"),
    ("9 pages, 6 figures, ACM MM 2024", "ACM MM 2024"),
    ("Accepted to ACMMM Asia 2024", "ACM MM Asia 2024"),
    ("ICLR 2025 (Oral)", "ICLR 2025 Oral"),
    ("Accepted by NeurIPS 2024 Spotlight", "NeurIPS 2024 Spotlight"),
    ("Accepted to CVPR 2025 (Highlight). Project page: https://example.org", "CVPR 2025 Highlight"),
    ("Early accept at MICCAI", "MICCAI"),
    ("3DV", "3DV"),
    ("This paper was accepted at the 2025 International Conference on 3D Vision (3DV)", "3DV 2025"),
    ("7 pages, accepted by AAAI-25", "AAAI 2025"),
    ("Accepted at WACV25", "WACV 2025"),
    ("Accepted to ECCV26. Code soon", "ECCV 2026"),
    ("Accepted by ECCV-2026", "ECCV 2026"),
    ("Accepted at the European Conference on Computer Vision (ECCV) 2026", "ECCV 2026"),
    ("The 19th European Conference on Computer Vision (ECCV 2026)", "ECCV 2026"),
    ("Accepted by Proceedings of the AAAI Conference on Artificial Intelligence, 2025", "AAAI 2025"),
    ("International Conference on Intelligent Robots and Systems (IROS), 2025", "IROS 2025"),
    ("Accepted to Findings of ACL 2025", "ACL 2025 Findings"),
    ("Accepted to the ICML 2025 Workshop on Efficient Models", "ICML 2025 Workshop"),
    ("Accepted at Safety@NeurIPS 2024", "NeurIPS 2024 Workshop"),
    ("Accepted by CVPR 2024 Workshop on Creativity", "CVPR 2024 Workshop"),
    ("Accepted by icassp 2025", "ICASSP 2025"),
    ("accepted at INTERSPEECH 2025", "Interspeech 2025"),
    ("Accepted to IEEE RAL", "RA-L"),
    # a venue the list does not know, beside a year, where the comment says it was accepted
    ("Accepted at GCPR 2024", "GCPR 2024"),
    ("CoNLL 2025 (Best Paper Award). 14 pages", "CoNLL 2025 Best Paper"),
])
def test_named_venues(comment: str, badge: str) -> None:
    assert venue_badge(comment) == badge


@pytest.mark.parametrize("comment", [
    "",
    "Under review",
    "10 pages, 5 figures",
    "Submitted to WACV 2027 (Algorithms Track)",
    "Preprint. Under review at NeurIPS 2025",
    "This paper is currently under review for ICRA 2026",
    "Project page: https://eccv-demo.github.io/splat",  # the acronym inside a URL word
    "A tip: see https://github.com/a/b",
    "Code: https://github.com/a/TIP-Adapter",
    "Code:https://github.com/a/TIP-Adapter",
    "Accepted version of the paper in the 19th International Conference on Computer Vision Theory and "
    "Applications (VISAPP)",  # not ICCV
    "Uses 8 GPU 2024 budget",  # an acronym beside a number, with no word of acceptance
])
def test_no_badge(comment: str) -> None:
    assert venue_badge(comment) is None


def test_accepted_venue_wins_over_earlier_submission_clause() -> None:
    assert venue_badge("Submitted to TPAMI; an earlier version was accepted to ECCV 2024") == "ECCV 2024"


def test_long_comment_is_bounded() -> None:
    assert venue_badge("x " * 200_000 + "Accepted to CVPR 2025") is None  # only the first 2,000 characters
    assert venue_badge("Accepted to CVPR 2025. " + "x " * 200_000) == "CVPR 2025"
