"""The text a reader sees in a ReportLab PDF: its page streams decoded, then every shown string."""

import base64
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_SHOWN = re.compile(rb"\(((?:\\.|[^\\)])*)\) Tj", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)


def _unescape(raw):
    def replace(match):
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else code
    # Standard fonts are WinAnsi-encoded: \200 is the euro sign.
    return _ESCAPE.sub(replace, raw).decode("cp1252")


def pdf_text(data):
    lines = []
    for match in _STREAM.finditer(data):
        stream = match.group(1).strip().removesuffix(b"~>")  # ASCII85, then Flate (ReportLab's default)
        content = zlib.decompress(base64.a85decode(stream))
        lines += [_unescape(shown) for shown in _SHOWN.findall(content)]
    return "\n".join(lines)
