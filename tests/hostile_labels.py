"""Labels a user could give a node that try to break out of where they are shown: into the
code a program generates, a page's markup or script, graphviz's label syntax, or the line
they are printed on. Every place that shows a label is fed all of them."""

# Each one, if it escaped, would set sys.PWNED (in generated Python) or show markup.
PAYLOAD = "__import__('sys').__setattr__('PWNED', 1)"

HOSTILE_LABELS = [
    f"x\n    {PAYLOAD} #",  # a newline and the function body's indent: a line of code
    f"x\n{PAYLOAD}",  # a newline without the indent
    f"x\r    {PAYLOAD} #",  # a carriage return alone ends a line for Python too
    f"x\r\n    {PAYLOAD}",
    f"x\x0c\n    {PAYLOAD}",  # form feed
    f"x\x0b    {PAYLOAD}",  # vertical tab
    f"x\x85    {PAYLOAD}",  # NEL, a line break for str.splitlines
    f"x\u2028    {PAYLOAD}",  # line separator
    f"x\u2029    {PAYLOAD}",  # paragraph separator
    f"x\x1c\x1d\x1e    {PAYLOAD}",  # file, group and record separators (splitlines breaks)
    "x\x00y",  # NUL
    "\u202ex = 1\u202c",  # right-to-left override: text that reads backwards
    "x\ud800",  # a lone surrogate: not encodable as UTF-8
    '"""; ' + PAYLOAD + '; """',  # quotes, as if inside a string literal
    "x\\",  # a backslash at the end of a line
    "# not a comment",
    "</script><script>alert(1)</script>",
    "<b>x</b> & y",
    "grad 7",  # reads like the page's own text
    "\\N \\G \\L",  # graphviz escapes
    "x" * 10_000,
]
