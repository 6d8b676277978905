"""Run in a process of its own on a demo home (``KIOSK_HOME``): the three desk journeys as
the TUI's screens call them, with what ``demo init`` printed (given as JSON on argv).
Prints one JSON object: what each journey gave."""

from __future__ import annotations

import json
import sys
from typing import Any

from kiosk.bootstrap import make_services
from kiosk.config import load_settings
from kiosk.domain.appointment_lease import Purpose
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.container import Services

NEW_PIN = "Kw7pR2x9"


def checked(
    services: Services, session: AgentSession, typed: str, holder: dict[str, Any], purpose: Purpose
) -> Appointment:
    if purpose is Purpose.DELIVERY:
        dossier = services.lookup.lookup(session, typed)
    else:
        dossier = services.lookup.find_delivered(session, typed)
    appointment = services.appointments.open(session, dossier, purpose=purpose)
    document = services.identity.read_mrz(appointment, "\n".join(holder["mrz"]))
    assert services.identity.check(appointment, document).passed
    services.identity.confirm_photo(appointment, matches=True)
    assert services.answers.check(appointment, holder["answers"]).ok
    return appointment


def main(printed: dict[str, Any]) -> dict[str, Any]:
    services = make_services(load_settings())
    assert services.pin_unblock and services.desk_revocation and services.renewals
    assert services.delivery and services.media
    session = services.auth.login(printed["login"], printed["password"])
    out: dict[str, Any] = {}

    unblock = printed["pin_unblock"]
    appointment = checked(services, session, unblock["reference"], unblock, Purpose.PIN_UNBLOCK)
    token = services.pin_unblock.delivered_token(appointment).token_serial
    done = services.pin_unblock.unblock(appointment, token, NEW_PIN, NEW_PIN)
    out["unblocked_token"] = done.token_serial

    revoke = printed["revocation"]
    appointment = checked(services, session, revoke["serial"], revoke, Purpose.REVOCATION)
    reason = services.desk_revocation.reasons()[0]
    revoked = services.desk_revocation.revoke(appointment, reason, confirm=True)
    out["revoked"] = {"published": revoked.published, "problem": revoked.problem}

    renewal = printed["renewal"]  # on the holder's own token, with the PIN they have
    appointment = checked(services, session, renewal["code"], renewal, Purpose.DELIVERY)
    check = services.renewals.check_token(appointment, renewal["token"])
    out["renewal_keeps_key"] = getattr(check, "keeps_key", False) and check.refusal is None
    result = services.renewals.personalise(appointment, renewal["token"], renewal["pin"])
    core = services.delivery.receipt_core(appointment, result)
    delivered = services.delivery.accept(appointment, result, renewal["pin"], core)
    out["renewal"] = {"problems": list(delivered.problems), "token": core.token_serial}
    services.auth.logout(session)
    return out


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
