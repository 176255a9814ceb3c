#!/usr/bin/env python3
"""Print the character set of the qcall font subset (UTF-8, no newline).

Usage: font_charset.py SOURCE.ttc FACE_INDEX

Coverage:
  * GB2312 level-1 hanzi: rows 16-55 (bytes 0xB0A1-0xD7F9), 3755 characters;
  * GB2312 non-hanzi symbols: rows 1-9 (0xA1A1-0xA9FE), every code that decodes;
  * printable ASCII U+0020-U+007E;
  * EXTRAS below (UI punctuation and symbols that GB2312 lacks or that Python's
    gb2312 codec maps to a different code point, e.g. it maps 0xA1A4 to
    U+30FB and 0xA1AA to U+2015, while UIs type U+00B7 and U+2014);
  * every character of the UI strings in check_font.py (all of them are
    already in the sets above today; they are added anyway so a new UI string
    with a rarer hanzi only needs to be added there).
Also checks that FACE_INDEX of SOURCE really is Noto Sans CJK SC and that every
wanted character exists in it.
"""
import sys

from fontTools.ttLib import TTFont

sys.path.insert(0, __import__("os").path.dirname(__file__))
from check_font import UI_STRINGS  # noqa: E402

EXTRAS = (
    "·—–•…×÷→←↑↓√℃°±≤≥‰№※©®™€¥￥✓▶◀▲▼■□●○◎◆◇★☆"
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
    "　、。〃々〈〉《》「」『』【】〔〕〖〗〜〝〞・"
    "‘’“”"
)
FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F))  # ！ … ～


def gb2312_range(hi_from, hi_to):
    out = []
    for hi in range(hi_from, hi_to + 1):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def charset():
    level1 = gb2312_range(0xB0, 0xD7)  # rows 16-55
    assert len(level1) == 3755, len(level1)
    symbols = gb2312_range(0xA1, 0xA9)  # rows 1-9
    ascii_ = [chr(c) for c in range(0x20, 0x7F)]
    ui = [c for c in "".join(UI_STRINGS) if not c.isspace()]
    chars = set(level1) | set(symbols) | set(ascii_) | set(EXTRAS) | set(FULLWIDTH) | set(ui)
    return sorted(chars), level1, symbols


def main():
    src, face = sys.argv[1], int(sys.argv[2])
    font = TTFont(src, fontNumber=face, lazy=True)
    family = font["name"].getDebugName(1)
    if family != "Noto Sans CJK SC":
        sys.exit(f"font_charset.py: face {face} of {src} is {family!r}, not 'Noto Sans CJK SC'")
    cmap = font.getBestCmap()
    chars, level1, symbols = charset()
    missing = [c for c in chars if ord(c) not in cmap]
    if missing:
        sys.exit("font_charset.py: not in source font: " + " ".join(f"U+{ord(c):04X}" for c in missing))
    print(
        f"font_charset.py: face {face} = {family}; {len(chars)} chars "
        f"(GB2312 L1 {len(level1)}, symbols {len(symbols)})",
        file=sys.stderr,
    )
    sys.stdout.write("".join(chars))


if __name__ == "__main__":
    main()
