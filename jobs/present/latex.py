"""LaTeX in paper titles as plain readable text: ``$E^{3}$Gen`` -> ``E³Gen``.

A single left-to-right scan with a small recursive-descent parser for each ``$…$`` span: no regular
expressions, so no backtracking, and time linear in the title's length. Brace nesting deeper than
``_MAX_DEPTH`` is read flat rather than recursed into.
"""

from __future__ import annotations

import re

_MAX_DEPTH = 20

_SUP = dict(zip(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW*′",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ*′",
    strict=True,
))
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True))

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SYMBOLS = {
    "times": "×", "cdot": "·", "sim": "~", "approx": "≈", "simeq": "≃", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "ne": "≠", "pm": "±", "mp": "∓", "infty": "∞", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "leftrightarrow": "↔", "mapsto": "↦", "circ": "∘", "partial": "∂",
    "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "in": "∈", "ell": "ℓ", "star": "⋆", "ast": "∗",
    "dagger": "†", "ddagger": "‡", "ldots": "…", "cdots": "⋯", "dots": "…", "prime": "′", "mid": "|",
    "vert": "|", "langle": "⟨", "rangle": "⟩", "cup": "∪", "cap": "∩", "subset": "⊂", "forall": "∀",
    "exists": "∃", "propto": "∝", "oplus": "⊕", "otimes": "⊗", "emptyset": "∅", "neg": "¬", "land": "∧",
    "lor": "∨", "gg": "≫", "ll": "≪", "equiv": "≡", "degree": "°", "checkmark": "✓", "S": "§",
    "quad": " ", "qquad": " ", "log": "log", "exp": "exp", "max": "max", "min": "min", "arg": "arg",
    "sin": "sin", "cos": "cos", "lim": "lim", "det": "det", "dim": "dim",
}
# Commands whose argument is shown as is: fonts, text boxes, emphasis.
_FONTS = {
    "mathcal", "mathbf", "mathrm", "mathit", "mathsf", "mathtt", "mathfrak", "mathscr", "boldsymbol", "bm",
    "text", "textbf", "textit", "textrm", "texttt", "textsf", "textsc", "textup", "textnormal", "emph",
    "mbox", "operatorname", "mathnormal", "underline", "textsl",
}
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303", "bar": "\u0304",
            "overline": "\u0305", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308"}
_DROPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "displaystyle", "limits", "nolimits", "rm", "bf",
            "it", "cal", "mathstrut", "phantom"}
_ESCAPES = {",": " ", ";": " ", ":": " ", "!": "", " ": " ", "%": "%", "&": "&", "#": "#", "_": "_",
            "{": "{", "}": "}", "$": "$", "|": "‖", "\\": " "}
_DOUBLE_STRUCK = {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"}


def _double_struck(text: str) -> str:
    out = []
    for c in text:
        if c in _DOUBLE_STRUCK:
            out.append(_DOUBLE_STRUCK[c])
        elif "A" <= c <= "Z":
            out.append(chr(0x1D538 + ord(c) - ord("A")))
        elif "a" <= c <= "z":
            out.append(chr(0x1D552 + ord(c) - ord("a")))
        elif "0" <= c <= "9":
            out.append(chr(0x1D7D8 + ord(c) - ord("0")))
        else:
            out.append(c)
    return "".join(out)


def _script(text: str, mark: str) -> str:
    """`text` raised (mark '^') or lowered ('_') with Unicode where every character has a form; else
    the mark kept, with parentheses around more than one character."""
    text = text.strip()
    if not text:
        return ""
    if mark == "^" and text in ("∘", "°", "o"):  # 90^\circ, and 360^o as titles write it
        return "°"
    table = _SUP if mark == "^" else _SUB
    if all(c in table for c in text):
        return "".join(table[c] for c in text)
    if mark == "^" and text in ("∗", "⋆", "†", "‡"):
        return text
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


class _Math:
    """Parser for the inside of one ``$…$`` span."""

    def __init__(self, s: str) -> None:
        self.s = s
        self.i = 0

    def seq(self, depth: int, in_group: bool) -> str:
        s, out = self.s, []
        while self.i < len(s):
            c = s[self.i]
            if c == "}":
                self.i += 1
                if in_group:
                    break
                continue  # a stray closing brace
            if c == "{":
                self.i += 1
                if depth < _MAX_DEPTH:
                    out.append(self.seq(depth + 1, True))
                continue  # too deep: read the rest flat
            if c in "^_":
                self.i += 1
                out.append(_script(self.arg(depth), c))
                continue
            if c == "\\":
                out.append(self.command(depth))
                continue
            self.i += 1
            out.append(" " if c == "~" else c)
        return "".join(out)

    def arg(self, depth: int) -> str:
        """One argument: a {group}, a command, or a single character."""
        s = self.s
        while self.i < len(s) and s[self.i] == " ":
            self.i += 1
        if self.i >= len(s):
            return ""
        c = s[self.i]
        if c == "{":
            self.i += 1
            return self.seq(depth + 1, True) if depth < _MAX_DEPTH else ""
        if c == "\\":
            return self.command(depth)
        if c == "}":
            return ""
        self.i += 1
        return c

    def command(self, depth: int) -> str:
        s = self.s
        start = self.i + 1
        end = start
        while end < len(s) and s[end].isascii() and s[end].isalpha():
            end += 1
        if end == start:  # a one-character escape such as \, or \%
            self.i = min(start + 1, len(s))
            ch = s[start:start + 1]
            return _ESCAPES.get(ch, ch)
        name = s[start:end]
        self.i = end
        if name in _GREEK:
            return _GREEK[name]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _DROPPED:
            return ""
        if name in _FONTS:
            return self.arg(depth)
        if name == "mathbb":
            return _double_struck(self.arg(depth))
        if name in _ACCENTS:
            text = self.arg(depth)
            return text + _ACCENTS[name] if len(text) == 1 else text
        if name in ("frac", "dfrac", "tfrac"):
            num, den = self.arg(depth), self.arg(depth)
            num = num if len(num) <= 1 else f"({num})"
            den = den if len(den) <= 1 else f"({den})"
            return f"{num}/{den}"
        if name == "sqrt":
            text = self.arg(depth)
            return f"√{text}" if len(text) <= 1 else f"√({text})"
        return name  # unknown: its name reads better than a backslash


def _math(s: str) -> str:
    return " ".join(_Math(s).seq(0, False).split())


_TEXT_ESCAPES = {"$": "$", "&": "&", "%": "%", "#": "#", "_": "_"}


def latex_to_text(s: str) -> str:
    """A title with its inline math and TeX escapes turned into readable Unicode text.

    ``\\$`` is a dollar sign; a ``$`` without a partner is left as is ("Just Add $100 More")."""
    if "$" not in s and "\\" not in s:
        return s
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in _TEXT_ESCAPES:
            out.append(s[i + 1])
            i += 2
            continue
        if c == "$":
            close = _closing_dollar(s, i + 1)
            if close < 0:
                out.append(s[i:])
                break
            out.append(_math(s[i + 1:close]))
            i = close + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _closing_dollar(s: str, start: int) -> int:
    """Index of the next unescaped '$' from `start`, or -1."""
    i = start
    while True:
        j = s.find("$", i)
        if j < 0:
            return -1
        if s[j - 1] != "\\":
            return j
        i = j + 1


_TEXT_COMMAND = re.compile(
    r"\\(?:emph|textit|textbf|texttt|textsc|textrm|text|mathrm|mathbf|mathit|underline)\{([^{}]*)\}")
_MATHY = re.compile(r"\$[^$]*[\\^_{}][^$]*\$")  # a $…$ pair with TeX inside, not two prices


def readable(text: str) -> str:
    """Prose (a summary, an abstract's sentence, a takeaway) with its TeX made readable: \\emph{x} is x, and
    inline math becomes Unicode where a $…$ pair really holds TeX ("costs $5 and $10" stays as written)."""
    if "\\" not in text and "$" not in text:
        return text
    mathy = _MATHY.search(text) is not None
    text = _TEXT_COMMAND.sub(r"\1", text)
    return latex_to_text(text) if mathy else text
