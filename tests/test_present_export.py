"""Saved papers as BibTeX and RIS: TeX's special characters escaped, keys unique, names surname first."""

from __future__ import annotations

from jobs.models import Paper
from jobs.present.export import bibtex, cite_key, ris


def test_bibtex_escapes_tex_and_keeps_keys_unique() -> None:
    paper = Paper("2405.60001", 1, "Splats & 100% more_x", authors=["José García", "Li Wei"],
                  comment="CVPR 2025, #1")
    text = bibtex([paper, paper])
    assert cite_key(paper) == "garcia2024splats"
    assert "@misc{garcia2024splats,\n" in text and "@misc{garcia2024splatsa,\n" in text
    assert "  title = {{Splats \\& 100\\% more\\_x}},\n" in text
    assert "  author = {García, José and Wei, Li},\n" in text and "  note = {CVPR 2025, \\#1}\n" in text


def test_ris_is_one_record_a_paper_with_crlf() -> None:
    paper = Paper("2405.60001", 1, "A  title\nover lines", authors=["Ada Lovelace"], date="2024-05-06")
    assert ris([paper]) == ("TY  - UNPB\r\nTI  - A title over lines\r\nAU  - Lovelace, Ada\r\nPY  - 2024\r\n"
                            "DA  - 2024/05/06\r\nUR  - https://arxiv.org/abs/2405.60001\r\nAN  - arXiv:2405.60001\r\n"
                            "DB  - arXiv\r\nER  - \r\n")
