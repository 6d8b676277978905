"""The high-contrast theme (``KIOSK_THEME=contrast``, or F12 at the desk).

Pure white text on black, no muted (half-transparent) text, yellow for what has the
focus, bright green and red for outcomes, which are told in words as well. The kiosk's
CSS uses only theme variables (``app.tcss``), so this table is the whole theme.
"""

from __future__ import annotations

from textual.theme import Theme

DEFAULT = "textual-dark"
CONTRAST = "kiosk-contrast"

CONTRAST_THEME = Theme(
    name=CONTRAST,
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    warning="#FFFF00",
    error="#FF6666",
    success="#33FF66",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#000000",
    dark=True,
    text_alpha=1.0,
    variables={
        "text": "#FFFFFF",
        "text-muted": "#FFFFFF",
        "text-disabled": "#C0C0C0",
        "text-primary": "#FFFF00",
        "text-accent": "#FFFF00",
        "text-success": "#33FF66",
        "text-warning": "#FFFF00",
        "text-error": "#FF6666",
        "success-muted": "#003300",
        "error-muted": "#4D0000",
        "primary-darken-2": "#FFFFFF",
        "border": "#FFFF00",
        "border-blurred": "#FFFFFF",
        "input-cursor-background": "#FFFF00",
        "input-cursor-foreground": "#000000",
        "input-selection-background": "#FFFF00 40%",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#FFFFFF",
        "block-cursor-blurred-foreground": "#000000",
        "footer-background": "#000000",
        "footer-foreground": "#FFFFFF",
        "footer-key-foreground": "#FFFF00",
        "footer-key-background": "#000000",
        "footer-description-foreground": "#FFFFFF",
        "scrollbar": "#FFFFFF",
        "scrollbar-hover": "#FFFF00",
        "scrollbar-active": "#FFFF00",
        "scrollbar-background": "#000000",
    },
)


def theme_name(setting: str) -> str:
    """The Textual theme of a ``KIOSK_THEME`` value."""
    return CONTRAST if setting == "contrast" else DEFAULT
