"""The checks of ``kiosk doctor`` that reach devices and keys: the PKCS#11 module, the card
reader daemon, the SO PIN escrow key and the audit key (the certification authority has
its own module, ``authority``)."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Settings
from kiosk.doctor.findings import Finding, failed, passed


def check_pkcs11(settings: Settings) -> Finding:
    from kiosk.adapters.token.environment import use_softhsm_conf
    from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter

    topic, module = "Module PKCS#11", settings.pkcs11_module
    if not Path(module).is_file():
        return failed(
            topic,
            f"{module} est introuvable.",
            "Installez le module du fabricant des supports (apt : opensc, ou softhsm2 pour "
            "la démonstration) ou corrigez pkcs11_module dans kiosk.toml.",
        )
    conf = settings.softhsm_conf
    if conf is not None and not conf.is_file():
        return failed(
            topic,
            f"la configuration SoftHSM {conf} est absente.",
            "Restaurez le dossier softhsm du kiosque (kiosk restore).",
        )
    use_softhsm_conf(conf)
    tokens = Pkcs11TokenAdapter(module).list_tokens()
    return passed(topic, f"{module} chargé, {len(tokens)} support(s) visible(s).")


def check_reader(settings: Settings) -> Finding:
    topic = "Lecteur de cartes"
    if settings.devices.reader != "pcsc":
        return passed(topic, "lecteur simulé (démonstration) : aucun service à joindre.")
    try:
        from smartcard.System import readers
    except ImportError:
        return failed(
            topic,
            "pyscard n'est pas installé.",
            "pip install pyscard (paquets apt : libpcsclite-dev, swig, gcc).",
        )
    try:
        names = [str(reader) for reader in readers()]
    except Exception:
        return failed(
            topic,
            "le service pcscd ne répond pas.",
            "sudo systemctl enable --now pcscd.socket (paquet pcscd).",
        )
    if not names:
        return failed(
            topic,
            "pcscd répond, mais aucun lecteur n'est branché.",
            "Branchez le lecteur (câble USB), puis relancez le contrôle.",
        )
    wanted = [p.reader for p in settings.devices.reader_pairings]
    missing = [w for w in wanted if not any(_names(w, n) for n in names)]
    if missing:
        return failed(
            topic,
            f"lecteur(s) configuré(s) absent(s) : {', '.join(missing)} (branchés : "
            f"{', '.join(names)}).",
            "Branchez le lecteur attendu ou corrigez les tables [[readers]] de kiosk.toml.",
        )
    return passed(topic, f"pcscd répond : {', '.join(names)}.")


def _names(wanted: str, name: str) -> bool:
    """``wanted`` names ``name`` exactly, or is a prefix ending in ``*``."""
    return name == wanted or (wanted.endswith("*") and name.startswith(wanted[:-1]))


def check_escrow(settings: Settings) -> Finding:
    from kiosk.adapters.crypto.escrow import RsaOaepEscrow

    topic, path = "Séquestre des codes PIN", settings.pki_settings.escrow_public_key
    if not path.is_file():
        return failed(
            topic,
            f"la clé publique du back-office {path} est absente.",
            "Copiez la clé publique de séquestre fournie par le back-office.",
        )
    RsaOaepEscrow.from_file(path)
    return passed(topic, f"clé publique du back-office lue ({path.name}).")


def check_audit_key(settings: Settings) -> Finding:
    from kiosk.adapters.token.audit_key import has_audit_key, load_audit_signer
    from kiosk.adapters.token.environment import use_softhsm_conf
    from kiosk.audit_settings import load_audit_settings

    topic = "Clé d'audit"
    audit = load_audit_settings(settings)
    if not has_audit_key(audit.folder):
        return failed(
            topic,
            f"aucune clé d'audit décrite dans {audit.folder}.",
            "Créez la clé d'audit du kiosque (kiosk demo init pour une démonstration).",
        )
    use_softhsm_conf(settings.softhsm_conf)
    signer = load_audit_signer(
        audit.folder, module_path=settings.pkcs11_module, key_name=audit.origin
    )
    return passed(
        topic,
        f"la clé « {signer.key_name} » est sur son support et correspond à la clé publique "
        "exportée.",
    )
