"""Keys as the Footer names them, in French: « Entrée », « Échap », « F9 », « Ctrl+Q »."""

from __future__ import annotations

from textual.binding import Binding

_KEY_NAMES = {
    "enter": "Entrée",
    "escape": "Échap",
    "tab": "Tab",
    "space": "Espace",
    "backspace": "Retour arr.",
    "delete": "Suppr",
}


def french_key(binding: Binding) -> str | None:
    """The key's French name, or None to let Textual name it."""
    if binding.key_display:
        return binding.key_display
    key = binding.key.split(",")[0]
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if key.startswith("f") and key[1:].isdigit():
        return key.upper()
    if key.startswith("ctrl+"):
        return "Ctrl+" + key.removeprefix("ctrl+").upper()
    return None
