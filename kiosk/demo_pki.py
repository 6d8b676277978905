"""The demo's PKI: SoftHSM tokens in the home, the embedded CA on its own SoftHSM token,
and the back office's SO-PIN escrow key pair (its private half outside the home)."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Settings


def back_office_folder(home: Path) -> Path:
    """The back office's stand-in: beside the home, never inside it."""
    return home.parent / f"{home.name}-back-office"


def prepare_pki(settings: Settings) -> list[str]:
    """Create what is missing; returns lines to print."""
    from kiosk.adapters.ca.embedded_ca import EmbeddedCA
    from kiosk.adapters.crypto.escrow import create_key_pair
    from kiosk.adapters.token.environment import use_softhsm_conf

    use_softhsm_conf(settings.softhsm_conf)
    pki = settings.pki_settings
    lines: list[str] = []
    if not pki.escrow_public_key.exists():
        private = back_office_folder(settings.home) / "so-pin-escrow.key.pem"
        if private.exists():
            private.unlink()
        create_key_pair(pki.escrow_public_key, private)
        lines.append(f"Séquestre des codes PIN administrateur : clé privée dans {private.parent}")
    if not (pki.ca_folder / "ca.json").exists():
        EmbeddedCA.create(pki.ca_folder, module_path=settings.pkcs11_module)
        lines.append(f"Autorité de certification de démonstration créée : {pki.ca_folder}")
    lines += prepare_audit_key(settings)
    return lines


def prepare_audit_key(settings: Settings) -> list[str]:
    """The kiosk's audit key (ECDSA P-256) on its own token; its public half exported."""
    from kiosk.adapters.token.audit_key import create_audit_key, has_audit_key
    from kiosk.audit_settings import load_audit_settings

    audit = load_audit_settings(settings)
    if has_audit_key(audit.folder):
        return []
    create_audit_key(
        audit.folder, module_path=settings.pkcs11_module, token_label=audit.token_label
    )
    return [
        f"Clé d'audit (ECDSA P-256) créée sur son support {audit.token_label} ; "
        f"clé publique pour les auditeurs : {audit.public_key_file}"
    ]
