"""The progress header tells each journey's steps in words: a PIN unblock and a
revocation end with their own steps, not with « Support › Remise »."""

from __future__ import annotations

import pytest

from kiosk.domain.appointment_lease import Purpose
from kiosk.ui.widgets.progress_header import Step, progress_text


def test_a_delivery_reads_dossier_identity_questions_token_delivery() -> None:
    assert progress_text(Step.IDENTITY).plain == (
        "Étape 2 sur 5 : ✓ Dossier › ▶ [Identité] › Questions › Support › Remise"
    )


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        (
            Purpose.PIN_UNBLOCK,
            "Étape 4 sur 5 : ✓ Dossier › ✓ Identité › ✓ Questions › ▶ [Nouveau PIN] › Attestation",
        ),
        (
            Purpose.REVOCATION,
            "Étape 4 sur 5 : ✓ Dossier › ✓ Identité › ✓ Questions › ▶ [Motif] › Attestation",
        ),
    ],
)
def test_the_other_journeys_name_their_last_steps(purpose: Purpose, expected: str) -> None:
    assert progress_text(Step.MEDIUM, purpose).plain == expected
