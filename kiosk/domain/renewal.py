"""Renewal dossiers: a new certificate for a holder whose certificate is in service.

As in ChamberSign's procedure, a renewal delivers a new certificate with strictly the same
personal data and duration as the one it renews; the back office sends a renewal dossier
that names the dossier it renews and, when the kiosk did not deliver that one itself, the
serial number of the certificate it replaces. Once the new certificate is verified and
accepted by the holder, the old one is revoked as ``superseded`` (RFC 5280).

The new certificate goes on a new token, or on the holder's current token when the
product allows it (``token_reuse``): that token is then wiped with its SO PIN, which the
back office gives back from its escrow, and personalised again. Once a run has wiped it
(``holder_key_erased``), the old certificate has no key left anywhere: if the renewal
then ends without a delivery, that certificate is revoked (``cessationOfOperation``)
rather than left in service with nobody able to use it or to ask for its revocation.

A renewal dossier without revocation questions takes those of the dossier it renews (the
import copies their Argon2id hashes): the holder answers the questions they already know.

Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Dossier
from kiosk.domain.personalisation_journal import Attempt, Phase, Step

# The steps journaled only once the token was initialised again (its old key gone).
_AFTER_WIPE = (Step.SET_PIN, Step.GENERATE_KEY, Step.BUILD_CSR, Step.ISSUE, Step.WRITE, Step.VERIFY)


class DossierKind(StrEnum):
    FIRST = "first"  # a first delivery
    RENEWAL = "renewal"  # renews a delivered certificate

    @property
    def label(self) -> str:
        return "Renouvellement" if self is DossierKind.RENEWAL else "Première délivrance"


@dataclass(frozen=True)
class RenewalLink:
    """What makes a dossier a renewal: the dossier it renews and, as the back office gave
    it, the serial of the certificate it replaces (lowercase hex; None when the kiosk
    delivered the renewed dossier itself and knows the serial from its delivery)."""

    reference: str
    renews: str
    certificate_serial: str | None = None


@dataclass(frozen=True)
class Renewal:
    """A renewal dossier as the desk sees it."""

    reference: str
    renews: str
    superseded_serial: str | None  # None: unknown, the certificate cannot be revoked here
    previous_token: str | None  # the token the previous certificate was delivered on
    token_reuse: bool  # the product allows the new certificate on that token

    def may_reuse(self, serial: str) -> bool:
        return self.token_reuse and bool(serial) and serial == self.previous_token

    def holder_key_erased(self, attempts: Sequence[Attempt]) -> bool:
        """Whether one of this renewal's runs (``attempts``) is known to have wiped the
        holder's current token. An initialisation that failed or never finished is not
        counted: a wrong SO PIN leaves the old key where it was, and the holder's working
        certificate is never revoked on a guess."""
        return self.previous_token is not None and any(
            attempt.wipe
            and attempt.token_serial == self.previous_token
            and (
                attempt.step in _AFTER_WIPE
                or (attempt.step is Step.INITIALISE and attempt.phase is Phase.DONE)
            )
            for attempt in attempts
        )


def same_holder_problems(previous: Dossier, renewal: Dossier, validity_years: int) -> list[str]:
    """What differs between a renewal and the dossier it renews, as import problems
    (French): a renewal keeps strictly the same holder, company and duration
    (``validity_years`` of the renewal's product)."""
    problems: list[str] = []
    if previous.state is not DossierState.DELIVERED:
        problems.append(
            f"le dossier renouvelé est à l'état « {previous.state.label} » : seul un "
            "certificat remis peut être renouvelé"
        )
    before, after = previous.holder, renewal.holder
    if (before.surname, before.given_names) != (after.surname, after.given_names):
        problems.append("le titulaire doit être celui du dossier renouvelé (mêmes nom et prénoms)")
    if None not in (before.birth_date, after.birth_date) and before.birth_date != after.birth_date:
        problems.append("la date de naissance diffère de celle du dossier renouvelé")
    if previous.company.siren != renewal.company.siren:
        problems.append("l'entreprise (SIREN) doit être celle du dossier renouvelé")
    if previous.product.validity_years != validity_years:
        problems.append(
            f"la durée de validité ({validity_years} an(s)) doit être celle du certificat "
            f"renouvelé ({previous.product.validity_years} an(s))"
        )
    return problems
