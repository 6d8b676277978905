"""Where the appointment stands: « Dossier › Identité › Questions › Support › Remise ».

The current step is told by text (« Étape 2 sur 5 », a ▶ marker, brackets), finished
steps by a ✓, never by colour alone. The last two steps are named after the appointment's
purpose: a PIN unblock ends with « Nouveau PIN › Attestation », a revocation with
« Motif › Attestation ».
"""

from __future__ import annotations

from enum import IntEnum

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from kiosk.domain.appointment_lease import Purpose


class Step(IntEnum):
    DOSSIER = 1
    IDENTITY = 2
    QUESTIONS = 3
    MEDIUM = 4
    DELIVERY = 5

    @property
    def label(self) -> str:
        return _LABELS[self]

    def label_for(self, purpose: Purpose) -> str:
        """The step's name in an appointment for ``purpose``."""
        return _PURPOSE_LABELS.get((purpose, self), _LABELS[self])


_LABELS = {
    Step.DOSSIER: "Dossier",
    Step.IDENTITY: "Identité",
    Step.QUESTIONS: "Questions",
    Step.MEDIUM: "Support",
    Step.DELIVERY: "Remise",
}
_PURPOSE_LABELS = {
    (Purpose.PIN_UNBLOCK, Step.MEDIUM): "Nouveau PIN",
    (Purpose.PIN_UNBLOCK, Step.DELIVERY): "Attestation",
    (Purpose.REVOCATION, Step.MEDIUM): "Motif",
    (Purpose.REVOCATION, Step.DELIVERY): "Attestation",
}
SEPARATOR = " › "


def progress_text(current: Step, purpose: Purpose = Purpose.DELIVERY) -> Text:
    """``Étape 2 sur 5 : ✓ Dossier › ▶ [Identité] › Questions › Support › Remise``."""
    text = Text(f"Étape {current.value} sur {len(Step)} : ", style="bold")
    for step in Step:
        label = step.label_for(purpose)
        if step > Step.DOSSIER:
            text.append(SEPARATOR, style="dim")
        if step < current:
            text.append(f"✓ {label}")
        elif step == current:
            text.append(f"▶ [{label}]", style="bold reverse")
        else:
            text.append(label, style="dim")
    return text


class ProgressHeader(Static):
    step: reactive[Step] = reactive(Step.DOSSIER)

    def __init__(
        self,
        step: Step,
        purpose: Purpose = Purpose.DELIVERY,
        *,
        id: str | None = "progress-header",
    ) -> None:
        super().__init__(id=id, markup=False)
        self.purpose = purpose
        self.set_reactive(ProgressHeader.step, step)

    def on_mount(self) -> None:
        self.update(progress_text(self.step, self.purpose))

    def watch_step(self, step: Step) -> None:
        self.update(progress_text(step, self.purpose))

    @property
    def plain(self) -> str:
        return progress_text(self.step, self.purpose).plain
