"""Whitespace collapsing is done with str.split (fast); it must do exactly what the regex rules say:
runs of whitespace ('\\s+', Unicode) become one space, line by line for multi-line fields."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from jobs.text import clean_lines, clean_text, collapse_ws

# Every kind of character \s matches (and some it does not), so the two definitions meet on the edges.
_CHARS = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u3000\u200bab中*"
text = st.text(alphabet=st.sampled_from(_CHARS), max_size=40) | st.text(max_size=40)


@given(text)
def test_collapse_ws_is_the_regex_rule(s: str) -> None:
    assert collapse_ws(s) == re.sub(r"\s+", " ", s).strip()


@given(text)
def test_clean_lines_is_the_regex_rule(s: str) -> None:
    lines = (re.sub(r"[^\S\n]+", " ", line).strip() for line in s.split("\n"))
    assert clean_lines(s) == "\n".join(line for line in lines if line)


def test_fields_keep_their_words_and_line_breaks() -> None:
    assert clean_text("  A\u3000 title\t with\xa0gaps ") == ("A title with gaps", False)
    assert clean_text(" first  line \n\n\u2003\n second\tline ", multiline=True) == ("first line\nsecond line", False)
