"""How a personalisation run is taken up, by what the journal and the inserted token say.

- A token declared defective, lost or already delivered is refused (``token_register``);
  a token whose user PIN is locked is refused and declared defective, except the holder's
  own token taken back by a renewal: its wipe with the SO PIN resets the PIN (a holder
  who forgot their PIN in three years is common, and their token is not at fault).
- The holder's own token taken back by a renewal (``reuse_for``), no wipe asked: the new
  key pair is generated BESIDE the current one, with the holder's current PIN; nothing is
  erased, and the current certificate stays usable until the renewal is accepted
  (``keeps_key_of``). Its PIN locked, or never set: refused, a wipe would help.
- Same token as the dossier's open attempt, no wipe asked: the attempt resumes.
  * certificate issued, the token still holds the key it was issued for: the SAME
    certificate is written (or only verified again if it is already there);
  * certificate issued but its key is gone: that certificate is confirmed for
    revocation and a new key (new key id) is generated, then a new certificate issued;
  * issuance started but its outcome never recorded (crash inside the CA call): the CA
    may have signed, so every certificate of that key is requested for revocation and a
    new key is generated;
  * issuance whose outcome is unknown (``Phase.UNKNOWN``: the request was sent, the CA's
    answer never came or was lost): the same, except that the revocation of every
    certificate of that key was already requested when the failure was journaled;
  * no certificate yet: the key under the journaled key id is adopted if it exists,
    else generated; then request and issuance;
  * initialisation interrupted, or user PIN not set: the token's content is uncertain:
    it must be wiped (its SO PIN, escrowed, comes from the back office) or replaced.
- Otherwise a new attempt starts on this token, which must be blank, or wiped on the
  agent's explicit request with the token's current SO PIN. The dossier's previous open
  attempt, and any open attempt on this token, is abandoned and its certificate, if any,
  confirmed for revocation.

The journal's records themselves are in ``kiosk.domain.personalisation_journal``. Nothing
here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.domain.personalisation_journal import Attempt, AttemptStatus, Step
from kiosk.domain.token_register import TokenRecord, refusal_on_insert


@dataclass(frozen=True)
class TokenFacts:
    """What the check read from the inserted token (the key and certificate under the open
    attempt's key id, when there is one)."""

    serial: str
    blank: bool
    user_pin_initialized: bool
    user_pin_locked: bool
    key_public_der: bytes | None = field(default=None, repr=False)
    certificate_der: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Refusal:
    message: str
    mark_defective: bool = False
    wipe_would_help: bool = False  # the agent may choose to wipe the token instead


@dataclass(frozen=True)
class Plan:
    first_step: Step
    resume: bool = False  # continue the dossier's open attempt on this token
    wipe: bool = False  # start over from a wipe of this token
    abandon_open_attempt: bool = False
    new_key: bool = False  # resume under a fresh key id
    revoke_open_certificate: bool = False  # confirm revocation of the open attempt's cert
    revoke_open_key: bool = False  # request revocation of every cert of the open key
    already_verified: bool = False
    keeps_key_of: str | None = None  # a renewal beside the key of that (renewed) dossier


PIN_LOCKED = (
    "Le code PIN de ce support est bloqué : il ne peut plus être utilisé au guichet et est "
    "déclaré défectueux. Prenez un autre support."
)
NOT_BLANK = (
    "Ce support n'est pas vierge. Il ne sera effacé que si vous le demandez explicitement "
    "(effacement avec son code PIN administrateur) ; sinon, prenez un support vierge."
)
UNCERTAIN = (
    "L'initialisation de ce support a été interrompue : son contenu est incertain. "
    "Effacez-le (code PIN administrateur fourni par le back-office) ou prenez un autre support."
)
HOLDER_PIN_LOCKED = (
    "Le code PIN du titulaire est bloqué sur ce support : sa clé actuelle ne peut pas être "
    "gardée à côté de la nouvelle."
)
SO_PIN_NEEDED = (
    "Pour effacer ce support, saisissez son code PIN administrateur (SO) : le kiosque ne le "
    "conserve pas, le back-office le fournit (service de déblocage)."
)


def plan_run(
    dossier_ref: str,
    open_attempt: Attempt | None,
    record: TokenRecord | None,
    facts: TokenFacts,
    *,
    wipe: bool,
    so_pin_given: bool,
    reuse_for: str | None = None,
) -> Plan | Refusal:
    """What a run for ``dossier_ref`` on the inserted token does: see the module rules.
    ``reuse_for``: a renewal may take the token delivered for that dossier (wiped)."""
    refusal = refusal_on_insert(record, dossier_ref, reuse_for=reuse_for)
    if refusal is not None:
        return Refusal(refusal)
    if facts.user_pin_locked and not facts.blank:
        if reuse_for is None:
            return Refusal(PIN_LOCKED, mark_defective=True)
        if not wipe:
            return Refusal(HOLDER_PIN_LOCKED, wipe_would_help=True)
    if open_attempt is not None and not open_attempt.status.open:
        open_attempt = None
    same_token = (
        open_attempt is not None
        and bool(facts.serial)
        and open_attempt.token_serial == facts.serial
    )
    if open_attempt is not None and same_token and not wipe and not facts.blank:
        return _resume(open_attempt, facts)
    if reuse_for is not None and not wipe and not facts.blank:
        return _beside(reuse_for, open_attempt, facts)
    if facts.blank:
        wipe = False  # nothing to wipe
    elif not wipe:
        return Refusal(NOT_BLANK, wipe_would_help=True)
    elif not so_pin_given:
        return Refusal(SO_PIN_NEEDED, wipe_would_help=True)
    if open_attempt is None:
        return Plan(first_step=Step.INITIALISE, wipe=wipe)
    return Plan(
        first_step=Step.INITIALISE,
        wipe=wipe,
        abandon_open_attempt=True,
        revoke_open_certificate=open_attempt.certificate is not None,
        revoke_open_key=open_attempt.issuance_outcome_unknown,
    )


def _beside(renewed: str, open_attempt: Attempt | None, facts: TokenFacts) -> Plan | Refusal:
    if not facts.user_pin_initialized:
        return Refusal(UNCERTAIN, wipe_would_help=True)
    return Plan(
        first_step=Step.GENERATE_KEY,
        keeps_key_of=renewed,
        abandon_open_attempt=open_attempt is not None,
        revoke_open_certificate=open_attempt is not None and open_attempt.certificate is not None,
        revoke_open_key=open_attempt is not None and open_attempt.issuance_outcome_unknown,
    )


def _resume(attempt: Attempt, facts: TokenFacts) -> Plan | Refusal:
    if attempt.initialisation_uncertain or not facts.user_pin_initialized:
        return Refusal(UNCERTAIN, wipe_would_help=True)
    if attempt.status is AttemptStatus.VERIFIED:
        return Plan(first_step=Step.VERIFY, resume=True, already_verified=True)
    key_present = facts.key_public_der is not None
    key_is_ours = key_present and (
        attempt.public_key_der is None or facts.key_public_der == attempt.public_key_der
    )
    if attempt.certificate is not None:
        if key_is_ours and attempt.public_key_der is not None:
            on_token = facts.certificate_der == attempt.certificate.cert_der
            return Plan(first_step=Step.VERIFY if on_token else Step.WRITE, resume=True)
        return Plan(
            first_step=Step.GENERATE_KEY, resume=True, new_key=True, revoke_open_certificate=True
        )
    if attempt.issuance_outcome_unknown:
        return Plan(first_step=Step.GENERATE_KEY, resume=True, new_key=True, revoke_open_key=True)
    if attempt.issuance_uncertain:
        # Never the same request again: why, in kiosk.services.uncertain_issuance.
        return Plan(first_step=Step.GENERATE_KEY, resume=True, new_key=True)
    if key_is_ours:
        return Plan(first_step=Step.BUILD_CSR, resume=True)
    return Plan(first_step=Step.GENERATE_KEY, resume=True, new_key=key_present)
