"""Scraping and LaTeX residue out of titles and abstracts: accents, formatting, math, escapes, glued URLs.

The pages were scraped from arXiv abstracts, so LaTeX survives in them half-rendered
(`\\textbf{L}azy`, `72-95\\%`, `{\\em entropy collapse}`, `na\\"{\\i}ve`) and a code link is often
glued to the last sentence ("insights.https://github.com/x"). Cleaning only removes markup; it
never rewrites words, so a cleaned abstract still matches what a reader sees on arXiv.

>>> clean_text(r"(I) \\textbf{L}azy learning retains 72-95\\% of {\\em entropy collapse}.")
'(I) Lazy learning retains 72-95% of entropy collapse.'
"""

from __future__ import annotations

import re
import unicodedata

from assistant.text import normalize_space

# accent commands and the combining mark each stands for
_ACCENT_MARKS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
                 "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
                 "c": "\u0327", "r": "\u030a", "k": "\u0328", "d": "\u0323", "b": "\u0331"}
_LETTER = r"(\\?[A-Za-z])"  # \i and \j are the dotless letters accents sit on
# symbol accents take a bare letter (H\"older); letter accents need braces or a space (\c{c}, \c c)
# so that \cdot or \dots are never read as accents
_ACCENT = re.compile(rf"""\\(["'`^~=.])\s*(?:\{{\s*{_LETTER}\s*\}}|{_LETTER})"""
                     rf"""|\\([uvHcrkdb])(?:\s*\{{\s*{_LETTER}\s*\}}|\s+([A-Za-z])(?![A-Za-z]))""")
_SPECIAL_LETTERS = {"ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
                    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "i", "j": "j"}
_SPECIAL = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])(?:\{\})?")

_HREF = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_REFERENCE = re.compile(r" ?\\(?:cite[pt]?|citet|citep|ref|eqref|label)\s*\{[^{}]*\}")  # pointers, not words
_FORMAT = re.compile(r"\\(?:text(?:bf|it|sl|sc|tt|rm|sf|up|md|normal)?|emph|underline|mbox|hbox|url"
                     r"|math(?:rm|bf|it|sf|tt|cal|bb|frak|scr)|boldsymbol|bm|operatorname|ensuremath)"
                     r"\s*\{([^{}]*)\}")
# old-style switches inside a group; scraping often ate the backslash too ("{it single}")
_SWITCH_GROUP = re.compile(r"\{\\?(?:em|it|bf|sl|sc|tt|rm|sf|itshape|bfseries|scshape|upshape)\s+([^{}]*)\}")

_COMMANDS = {
    "textgreater": ">", "textless": "<", "textasciitilde": "~", "textasciicircum": "^",
    "textbar": "|", "textbullet": "•", "textendash": "–", "textemdash": "—", "textbackslash": "",
    "ldots": "...", "dots": "...", "cdots": "...", "times": "×", "cdot": "·", "pm": "±",
    "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠",
    "approx": "≈", "sim": "~", "simeq": "≃", "propto": "∝", "infty": "∞", "to": "→",
    "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "in": "∈", "partial": "∂",
    "nabla": "∇", "circ": "∘", "ast": "*", "star": "*", "prime": "′", "LaTeX": "LaTeX", "TeX": "TeX",
    # layout switches carry no words
    **dict.fromkeys(["em", "it", "bf", "sl", "sc", "tt", "rm", "sf", "itshape", "bfseries",
                     "scshape", "normalfont", "small", "large", "Large", "footnotesize", "noindent",
                     "left", "right", "displaystyle", "nonumber", "centering"], ""),
    **dict.fromkeys(["newline", "par", "quad", "qquad", "linebreak"], " "),
    # Greek letters and operators read best as their names, which is also how the scraped
    # pages already spell them ("S_1^{-alpha}") and what a searcher types
    **{name: name for name in (
        "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu"
        " xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta"
        " Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega log exp sin cos tan max min argmax argmin"
        " sup inf lim det sum prod int ell").split()},
}
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_LATEX_MARKERS = ("\\", "{", "$")

# escaped characters are parked on private-use code points so brace and math rules skip them
_PARKED = {"{": "\ue000", "}": "\ue001", "$": "\ue002"}
_ESCAPE = re.compile(r"\\([%&_#{}$])")
_SPACING = re.compile(r"\\[,;:!/]|\\(?=\s)")
# Pandoc's rule tells math from money: "$x$" hugs its content and the closing $ is not followed
# by a digit, so "$20,209 versus $27,587" and "US$45.8" stay as written
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\w$])\$(?=\S)([^$]{1,300}?)(?<=\S)\$(?!\d)")
_MATH_BRACKETS = re.compile(r"\\[()\[\]]")

_URL = re.compile(r"https?://[^\s<>\"'{}]+")
# \href{url}{label} that lost its \href. Tried once per run of URL characters, at its first
# "http", without backtracking: trying every "https://" of one long run was quadratic
_URL_LABEL = re.compile(r"(?<![^\s{}<>\"'])((?>[^\s{}<>\"']*?(?=https?://)))(https?://[^\s{}<>\"']++)\{[^{}]*\}")
_GLUED_URL = re.compile(r"([^\s(\[<\"'/=])(https?://)")
_ACCENTED_GROUP = re.compile(r"\{([^\x00-\x7f\s]{1,2})\}")  # H{ö}lder, after accents are decoded
# a group not attached to a word, ^ or _: {PLM}, {{BERT}}; x_{i} and mathcal{O} keep their braces
_LOOSE_GROUP = re.compile(r"(?<![\w^])\{(?!\s)([^{}]*)\}")


def clean_text(text: str) -> str:
    """Readable text from a scraped or BibTeX title/abstract; whitespace and unicode normalised."""
    return normalize_space(separate_urls(strip_latex(text)))


def strip_latex(text: str) -> str:
    """LaTeX markup out, its words and symbols kept: accents composed, commands unwrapped, math unfenced."""
    if not any(marker in text for marker in _LATEX_MARKERS):
        return text  # most abstracts have none; skipping the passes makes ingest ~3x faster
    text = text.replace("\\\\", " ")
    text = _decode_accents(text)
    text = _repeat(_HREF, r"\2 (\1)", text)
    text = _repeat(_FORMAT, r"\1", text)
    text = _REFERENCE.sub("", text)
    text = _repeat(_FRAC, r"\1/\2", text)
    text = _repeat(_SQRT, r"sqrt(\1)", text)
    text = _repeat(_SWITCH_GROUP, r"\1", text)
    text = _ESCAPE.sub(lambda m: _PARKED.get(m.group(1), m.group(1)), text)
    text = _SPACING.sub("", text)
    text = _MATH.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MATH_BRACKETS.sub("", text)
    # an unknown macro (\ours, \algo) names the authors' method: it stays as written, since
    # dropping the backslash would turn it into a misleading English word ("we call ours")
    text = _COMMAND.sub(lambda m: _COMMANDS.get(m.group(1), m.group(0)), text)
    text = _strip_braces(text)
    for char, parked in _PARKED.items():
        text = text.replace(parked, char)
    return text


def _decode_accents(text: str) -> str:
    def compose(match: re.Match) -> str:
        accent = match.group(1) or match.group(4)
        letter = (match.group(2) or match.group(3) or match.group(5) or match.group(6)).lstrip("\\")
        return unicodedata.normalize("NFC", letter + _ACCENT_MARKS[accent])
    text = _ACCENT.sub(compose, text)
    return _SPECIAL.sub(lambda m: _SPECIAL_LETTERS[m.group(1)], text)


def _strip_braces(text: str) -> str:
    text = _URL_LABEL.sub(r"\1\2", text)
    text = _ACCENTED_GROUP.sub(r"\1", text).replace("{}", "")
    return _repeat(_LOOSE_GROUP, r"\1", text)


def _repeat(pattern: re.Pattern, replacement: str, text: str) -> str:
    """Substitute until nothing changes: nested groups are peeled from the inside out, one level a
    pass; the reader rejects values nested deeper than sanitize.MAX_BRACE_DEPTH, which bounds the passes."""
    while True:
        new = pattern.sub(replacement, text)
        if new == text:
            return text
        text = new


def separate_urls(text: str) -> str:
    """Put a space before a URL glued to the previous word ("insights.https://..." → "insights. https://...").

    >>> separate_urls("for future work.https://github.com/dennlinger/TopicalChange")
    'for future work. https://github.com/dennlinger/TopicalChange'
    """
    return _GLUED_URL.sub(r"\1 \2", text) if "http" in text else text


def first_url(text: str) -> str | None:
    """The first http(s) URL in the text, without the sentence punctuation that follows it.

    >>> first_url("Code is at https://github.com/ChocoWu/LasUIE.")
    'https://github.com/ChocoWu/LasUIE'
    """
    match = _URL.search(text)
    if not match:
        return None
    url = match.group(0).rstrip(".,;:!?")
    for opener, closer in ("()", "[]"):
        if url.endswith(closer) and url.count(opener) < url.count(closer):
            url = url[:-1].rstrip(".,;:!?")
    return url
