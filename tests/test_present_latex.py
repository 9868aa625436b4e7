"""LaTeX in titles reads as text."""

from __future__ import annotations

import pytest

from jobs.present.latex import latex_to_text


@pytest.mark.parametrize(("title", "shown"), [
    ("$E^{3}$Gen: Expressive Avatars", "E³Gen: Expressive Avatars"),
    ("V$^2$Edit: Versatile Video Editing", "V²Edit: Versatile Video Editing"),
    ("D$^{2}$R$^{2}$Net for Panoramas", "D²R²Net for Panoramas"),
    ("$\\text{ID}^3$: Face Identities", "ID³: Face Identities"),
    ("$\\mathcal{X}$-Splat: Any-View Splatting", "X-Splat: Any-View Splatting"),
    ("$\\mathbf{M}^3$Bench", "M³Bench"),
    ("$\\alpha$-Blend and $\\beta$-VAE", "α-Blend and β-VAE"),
    ("Sparse-$\\Omega$: Few-Shot Fields", "Sparse-Ω: Few-Shot Fields"),
    ("$1000\\times$ Faster Rendering", "1000× Faster Rendering"),
    ("Training at $512 \\times 512$", "Training at 512 × 512"),
    ("$360^\\circ$ Scenes and $180^o$ Views", "360° Scenes and 180° Views"),
    ("$x_0$-Prediction", "x₀-Prediction"),
    ("Codes over $\\mathbb{F}_q$", "Codes over 𝔽_q"),
    ("$T^*$ Search", "T* Search"),
    ("$\\textit{Ship of Theseus}$ Models", "Ship of Theseus Models"),
    ("Cost $\\sim 8$ms", "Cost ~ 8ms"),
    ("$\\frac{1}{2}$-Step Sampling", "1/2-Step Sampling"),
    ("$p(x|c)^\\gamma$ Guidance", "p(x|c)^γ Guidance"),
    ("Win \\$100 With Splats", "Win $100 With Splats"),
    ("Just Add $100 More Points", "Just Add $100 More Points"),  # one '$': money, not math
    ("Plain Title Without Math", "Plain Title Without Math"),
])
def test_titles_read_as_text(title: str, shown: str) -> None:
    assert latex_to_text(title) == shown


def test_superscript_without_unicode_form_keeps_the_caret() -> None:
    # There is no superscript q or Q in Unicode: the mark stays, the rest reads plainly.
    assert latex_to_text("$Q^{q}$-Net") == "Q^q-Net"
    assert latex_to_text("$A^{Qq}$") == "A^(Qq)"


def test_broken_latex_does_not_lose_text() -> None:
    assert latex_to_text("$\\mathbf{open$ Title") == "open Title"
    assert latex_to_text("Stray } brace $a}b$") == "Stray } brace ab"
    assert latex_to_text("$x^$") == "x"


def test_hostile_titles_come_back_whole() -> None:
    """Deep nesting, thousands of spans and long runs neither crash (recursion) nor drop text. Their
    speed (linear in length) is measured by benchmarks/present_text.py."""
    assert latex_to_text("$" + "{" * 50_000 + "x" + "}" * 50_000 + "$") == "x"
    assert latex_to_text("$a$" * 30_000) == "a" * 30_000
    assert latex_to_text("$" + "^" * 100_000 + "$") == "^" * 100_000  # nothing to raise: kept
    assert latex_to_text("$" * 100_001) == "$"  # 50,000 empty spans and one unpaired dollar
    assert latex_to_text("$\\" + "a" * 100_000 + "$") == "a" * 100_000


def test_prose_reads_its_tex_but_keeps_its_prices() -> None:
    from jobs.present.latex import readable

    assert readable(r"We study $\textit{Ship of Language Models}$ here") == "We study Ship of Language Models here"
    assert readable(r"x$^3$ and \emph{foo}") == "x³ and foo"
    assert readable("costs $5 and $10") == "costs $5 and $10"
    assert readable("普通中文没有公式") == "普通中文没有公式"
