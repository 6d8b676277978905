"""Live feedback on a withdrawal code being typed: how far along, and is it right.

The feedback never repeats the code: only counts and the check's verdict.
"""

from __future__ import annotations

from kiosk.domain import withdrawal
from kiosk.ui.widgets.status_line import Kind

READY = "Code complet, caractère de contrôle correct. Entrée : rechercher."


def code_feedback(raw: str) -> tuple[Kind, str]:
    typed = withdrawal.inspect(raw)
    if typed.symbols == 0:
        return Kind.HINT, typed.message
    if typed.valid:
        if typed.symbols == withdrawal.CODE_LENGTH:
            return Kind.OK, READY
        return Kind.OK, f"{typed.message} Entrée : rechercher."
    if typed.error:
        return Kind.ERROR, typed.message
    return Kind.PROGRESS, typed.message
