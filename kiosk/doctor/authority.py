"""The certification authority check of ``kiosk doctor``: which CA the kiosk is configured
with (``ca_backend``), that it loads as the desk would load it, that its issuing CA is not
about to expire, and, for a CA reached with CMP, that its server answers.

The CMP server is asked a general message (``genm``): it issues nothing and revokes
nothing, and its answer is protected like an enrolment's, so an answer that verifies
says the address, the alias, the shared secret and the pinned server certificate are
right. A refusal naming the message's protection or the kiosk's rights is a failure; any
other refusal still proves all that (some CAs do not serve general messages)."""

from __future__ import annotations

from kiosk.config import Settings
from kiosk.doctor.findings import Finding, failed, passed

TOPIC = "Autorité de certification"
_REFUSES_THE_KIOSK = frozenset(
    {"badMessageCheck", "wrongIntegrity", "signerNotTrusted", "notAuthorized", "wrongAuthority"}
)


def check_ca(settings: Settings) -> Finding:
    from cryptography import x509

    from kiosk.adapters.clock import SystemClock
    from kiosk.adapters.token.environment import use_softhsm_conf
    from kiosk.bootstrap_ca import make_certificate_authority

    pki = settings.pki_settings
    if pki.ca_backend == "embedded" and not (pki.ca_folder / "ca.json").is_file():
        return failed(
            TOPIC,
            f"aucune autorité de certification dans {pki.ca_folder}.",
            "Installez le dossier de l'AC (kiosk demo init pour une démonstration), ou "
            "configurez une AC distante (ca_backend = « cmp » dans kiosk.toml).",
        )
    use_softhsm_conf(settings.softhsm_conf)
    clock = SystemClock()
    authority = make_certificate_authority(settings, clock)
    issuing = x509.load_der_x509_certificate(authority.issuing.chain()[0])
    days = (issuing.not_valid_after_utc - clock.now()).days
    if days < 30:
        return failed(
            TOPIC,
            f"{authority.described} : le certificat de l'AC émettrice expire dans "
            f"{max(days, 0)} jour(s).",
            "Faites renouveler l'AC émettrice avant son expiration"
            + (" (puis remplacez cmp_ca_chain)." if pki.ca_backend == "cmp" else "."),
        )
    if pki.ca_backend == "cmp":
        return _cmp_server_answers(settings, authority.described, days)
    return passed(
        TOPIC,
        f"{authority.described} : AC émettrice chargée sur son support, valable encore "
        f"{days} jours.",
    )


def _cmp_server_answers(settings: Settings, described: str, days: int) -> Finding:
    from kiosk.adapters.ca.cmp_probe import GENERAL_MESSAGE, probe_client
    from kiosk.bootstrap_ca import cmp_endpoint
    from kiosk.domain.ca_errors import (
        NOTHING_WRITTEN,
        CaAuthenticationError,
        CaOperation,
        CaRejectedError,
        CaUnreachableError,
    )

    # The doctor runs before each start: a silent CA must not hold it.
    client = probe_client(cmp_endpoint(settings.pki_settings.cmp))
    answered = f"{described} : le serveur répond, AC émettrice valable encore {days} jours"
    try:
        client.run(GENERAL_MESSAGE, CaOperation.PROBE)
    except CaUnreachableError as exc:
        return failed(
            TOPIC,
            exc.message.removesuffix(NOTHING_WRITTEN).strip(),
            "Vérifiez que le serveur CMP est démarré et joignable depuis ce poste (pare-feu, "
            "proxy), et cmp_server et cmp_path dans kiosk.toml.",
        )
    except CaAuthenticationError:
        return failed(
            TOPIC,
            f"{described} : le serveur répond, mais sa réponse n'a pas pu être authentifiée.",
            "Vérifiez avec l'administrateur de l'AC cmp_ref, le secret partagé "
            "(cmp_secret_file) et le certificat du serveur (cmp_srvcert).",
        )
    except CaRejectedError as exc:
        if _REFUSES_THE_KIOSK & set(exc.failure_info):
            why = exc.message.removesuffix(NOTHING_WRITTEN).strip()
            return failed(
                TOPIC,
                f"{described} : {why}",
                "Vérifiez avec l'administrateur de l'AC la référence (cmp_ref), le secret "
                "partagé et les droits de ce kiosque sur l'alias (cmp_path).",
            )
        return passed(TOPIC, f"{answered} (il n'admet pas le message de contrôle genm).")
    return passed(TOPIC, f"{answered}.")
