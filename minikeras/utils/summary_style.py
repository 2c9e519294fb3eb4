"""The ANSI styles of model.summary() on a terminal, as Keras 3 (through rich) prints them.

Keras prints the summary with rich, which styles it only on a terminal: the title, the
header cells and the totals' labels bold; class names, numbers and ``None`` in 256-colour
palette colours 33, 34 and 45 (on a terminal with 16 colours, their nearest: 94, 32, 96);
the Trainable column's ``Y`` / ``N`` / ``-`` bold, ``Y`` colour 34 and ``N`` bright red.
Rich's choice of colours follows the environment: ``TTY_COMPATIBLE`` and ``FORCE_COLOR``
decide whether output is a terminal, ``TERM=dumb`` / ``unknown`` turns styles off,
``COLORTERM=truecolor`` / ``24bit`` or a ``TERM`` ending in ``-256color`` / ``-kitty``
gives the 256-colour codes, ``NO_COLOR`` keeps bold and drops colours.
"""
import os
import re

_SIXTEEN = {33: 94, 34: 32, 45: 96}  # rich's nearest 16-colour codes for these palette entries
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

CLASS, NUMBER, NONE, BRIGHT_RED = 33, 34, 45, 9


def terminal_style(file):
    """A ``Style`` for ``file`` if rich would style text written to it, else None."""
    env = os.environ
    compatible = env.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        terminal = compatible == "1"
    elif env.get("FORCE_COLOR") is not None:
        terminal = env["FORCE_COLOR"] != ""
    else:
        isatty = getattr(file, "isatty", None)
        terminal = bool(isatty and isatty())
    term = env.get("TERM", "").strip().lower()
    if not terminal or term in ("dumb", "unknown"):
        return None
    many = (env.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit")
            or term.rpartition("-")[2] in ("256color", "kitty"))
    return Style(many_colours=many, colours=env.get("NO_COLOR", "") == "")


class Style:
    """Wraps text in rich's SGR sequences for one colour system."""

    def __init__(self, many_colours, colours=True):
        self.many_colours, self.colours = many_colours, colours

    def __call__(self, text, colour=None, bold=False):
        codes = ["1"] if bold else []
        if colour is not None and self.colours:
            if colour < 16:
                codes.append(str(30 + colour if colour < 8 else 90 + colour - 8))
            elif self.many_colours:
                codes.append(f"38;5;{colour}")
            else:
                codes.append(str(_SIXTEEN[colour]))
        if not codes or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"

    def header_line(self, text, width):
        """One line of a header cell ``width`` wide (with its padding): all bold, the
        padding apart from the text; a blank line (above a shorter header) as one piece."""
        if not text.strip():
            return self(" " * width, bold=True)
        return self(" ", bold=True) + self(text, bold=True) + self(" ", bold=True)

    def cell_line(self, header, text):
        """One line of a body cell of the column ``header``, styled as Keras styles it."""
        if header == "Layer (type)":  # the class name in the last parentheses
            return re.sub(r"(?<=\()([^()\s]+?)(?=\)?\s*$)", lambda m: self(m.group(1), CLASS),
                          text, count=1)
        if header == "Output Shape":
            return re.sub(r"\bNone\b|\b\d+\b",
                          lambda m: self(m.group(0), NONE if m.group(0) == "None" else NUMBER),
                          text)
        if header == "Param #":
            return re.sub(r"[\d,]+", lambda m: self(m.group(0), NUMBER), text, count=1)
        if header == "Connected to":
            return re.sub(r"(?<=\[)\d+(?=\])", lambda m: self(m.group(0), NUMBER), text)
        if header == "Trainable":
            colours = {"Y": NUMBER, "N": BRIGHT_RED}
            return re.sub(r"[YN-]", lambda m: self(m.group(0), colours.get(m.group(0)), True),
                          text, count=1)
        return text

    def total_line(self, label, count, size):
        return f"{self(label, bold=True)}{self(count, NUMBER)} ({size})"


def visible_cut(line, width):
    """``line`` cut after ``width`` visible characters (escape sequences are not counted;
    a style still open at the cut is closed)."""
    if len(_ANSI.sub("", line)) <= width:
        return line
    out, shown, pos, open_style = [], 0, 0, False
    while pos < len(line) and shown < width:
        match = _ANSI.match(line, pos)
        if match:
            out.append(match.group(0))
            open_style = match.group(0) != "\x1b[0m"
            pos = match.end()
        else:
            out.append(line[pos])
            shown += 1
            pos += 1
    return "".join(out) + ("\x1b[0m" if open_style else "")
