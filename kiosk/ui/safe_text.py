"""Showing imported data as inert text.

Names, company names and e-mail addresses come from import files that the kiosk does not
control. On screen they must read exactly as stored, never act: no Rich markup (a name
``[bold red]X[/]`` stays those characters), no terminal escape sequences, no control
characters that move the cursor or ring the bell, no bidirectional overrides that would
display a name in another order than it is stored (the "Trojan Source" trick).

Every neutralised character is replaced by a visible stand-in, so a person sees that the
stored value holds something odd instead of seeing it silently cleaned.
"""

from __future__ import annotations

import unicodedata

from rich.text import Text

EMPTY = "—"
REPLACEMENT = "\ufffd"  # shown for invisible format characters and C1 controls
_CONTROL_PICTURES = 0x2400  # U+2400..U+241F picture C0 controls: ␀ ␁ ... ␛ ... ␟
_DELETE_PICTURE = "\u2421"  # ␡

# Characters that change how neighbouring text is displayed without being seen.
_INVISIBLE_FORMAT = frozenset(
    "\u061c\u200e\u200f"  # arabic letter mark, left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)


def _stand_in(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(_CONTROL_PICTURES + code)
    if code == 0x7F:
        return _DELETE_PICTURE
    if ch in _INVISIBLE_FORMAT or 0x80 <= code <= 0x9F:
        return REPLACEMENT
    if unicodedata.category(ch) in ("Zl", "Zp"):  # line and paragraph separators
        return " "
    return ch


def neutralise(value: str) -> str:
    """The value with every control or display-altering character made visible and inert.

    ``"\\x1b[31mRouge"`` becomes ``"␛[31mRouge"``; markup brackets are left as they are:
    they are harmless once the result is shown as plain text (see ``safe_text``).
    """
    return "".join(_stand_in(ch) for ch in value)


def safe_text(value: str | None, style: str = "", empty: str = EMPTY) -> Text:
    """Imported data as a Rich ``Text``: neutralised, never parsed as markup.

    ``None`` or a blank value shows ``empty`` (a dash) so a missing field is visible.
    """
    if value is None or not value.strip():
        return Text(empty, style="dim")
    return Text(neutralise(value), style=style, no_wrap=False)
