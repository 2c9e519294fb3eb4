"""What a terminal shows for captured output: ANSI styles dropped, a backspace moves the
cursor one column left, a carriage return to the start of the line, and later characters
overwrite earlier ones (the progress bar's redraws into a pipe)."""
import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def screen(text):
    """The lines ``text`` leaves on a terminal, trailing spaces removed."""
    lines, line, column = [], [], 0
    for char in _ANSI.sub("", text):
        if char == "\n":
            lines.append("".join(line).rstrip())
            line, column = [], 0
        elif char == "\r":
            column = 0
        elif char == "\b":
            column = max(column - 1, 0)
        else:
            if column < len(line):
                line[column] = char
            else:
                line.append(char)
            column += 1
    if line:
        lines.append("".join(line).rstrip())
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")
