"""Where the appointment stands: « Dossier › Identité › Questions › Support › Remise ».

The current step is told by text (« Étape 2 sur 5 », a ▶ marker, brackets), finished
steps by a ✓, never by colour alone.
"""

from __future__ import annotations

from enum import IntEnum

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class Step(IntEnum):
    DOSSIER = 1
    IDENTITY = 2
    QUESTIONS = 3
    MEDIUM = 4
    DELIVERY = 5

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Step.DOSSIER: "Dossier",
    Step.IDENTITY: "Identité",
    Step.QUESTIONS: "Questions",
    Step.MEDIUM: "Support",
    Step.DELIVERY: "Remise",
}
SEPARATOR = " › "


def progress_text(current: Step) -> Text:
    """``Étape 2 sur 5 : ✓ Dossier › ▶ [Identité] › Questions › Support › Remise``."""
    text = Text(f"Étape {current.value} sur {len(Step)} : ", style="bold")
    for step in Step:
        if step > Step.DOSSIER:
            text.append(SEPARATOR, style="dim")
        if step < current:
            text.append(f"✓ {step.label}")
        elif step == current:
            text.append(f"▶ [{step.label}]", style="bold reverse")
        else:
            text.append(step.label, style="dim")
    return text


class ProgressHeader(Static):
    step: reactive[Step] = reactive(Step.DOSSIER)

    def __init__(self, step: Step, *, id: str | None = "progress-header") -> None:
        super().__init__(id=id, markup=False)
        self.set_reactive(ProgressHeader.step, step)

    def on_mount(self) -> None:
        self.update(progress_text(self.step))

    def watch_step(self, step: Step) -> None:
        self.update(progress_text(step))

    @property
    def plain(self) -> str:
        return progress_text(self.step).plain
