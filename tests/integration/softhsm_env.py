"""SoftHSM2 for integration tests: one private token directory for the whole test process.

SoftHSM reads ``SOFTHSM2_CONF`` when the module is initialised, and python-pkcs11 keeps one
initialised module per path for the process (finalising it would close every session,
the CA's included). So the configuration is set once, before the module is first loaded,
and kept: each test takes a fresh blank token from SoftHSM's free slot, which SoftHSM
recreates after every initialisation, and names tokens by serial or a unique label.

Import the fixtures explicitly:
``from tests.integration.softhsm_env import softhsm, token_adapter, embedded_ca, ca_folder``.
A missing SoftHSM or OpenSC skips the tests with the reason; ``KIOSK_REQUIRE_SOFTHSM=1``
(CI) makes that a failure instead.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.certificates import IssueProfile, SubjectSpec
from kiosk.domain.model import Company, Person

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
REQUIRE_ENV = "KIOSK_REQUIRE_SOFTHSM"
SO_PIN = "so-pin-4321"
USER_PIN = "pin-1234"
HOLDER = SubjectSpec.for_holder(
    Person(surname="Lefèvre", given_names="Hélène"),
    Company(
        siren="732829320", siret="73282932000074", name="Boulangerie Lefèvre", legal_form="SARL"
    ),
)
POLICY_OID = "1.2.250.1.999.1.2.3"  # a made-up arc: the tests need one, not a real policy
PROFILE = IssueProfile(
    validity_years=3,
    policy_oid=POLICY_OID,
    crl_url="http://crl.kiosk.test/qualified.crl",
    ca_issuers_url="http://aia.kiosk.test/qualified.cer",
)


def _give_up(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set)")
    pytest.skip(reason)


@dataclass(frozen=True)
class SoftHsm:
    module: str
    conf: Path

    def env(self) -> dict[str, str]:
        """The environment for outside tools (pkcs11-tool, p11tool) to see the same tokens."""
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf)}

    def run(self, *command: str) -> str:
        """Runs an outside tool; a failure shows its output in the test report."""
        done = subprocess.run(command, env=self.env(), capture_output=True, check=False)
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command[:3])}... exited {done.returncode}:\n{output}")
        return output

    def pkcs11_tool(self, label: str, *args: str) -> str:
        return self.run("pkcs11-tool", "--module", self.module, "--token-label", label, *args)


def unique_label(prefix: str = "T") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


_active: SoftHsm | None = None


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> SoftHsm:
    global _active  # noqa: PLW0603 - one SoftHSM configuration per process, see above
    if _active is not None:
        return _active
    missing = [
        name
        for name, ok in (
            ("softhsm2 (apt: softhsm2)", Path(MODULE).is_file()),
            ("pkcs11-tool (apt: opensc)", shutil.which("pkcs11-tool") is not None),
            ("openssl", shutil.which("openssl") is not None),
        )
        if not ok
    ]
    if missing:
        _give_up(f"missing: {', '.join(missing)}")
    import pkcs11

    if MODULE in getattr(pkcs11, "_loaded", {}):
        pytest.fail("SoftHSM was loaded before softhsm_env set SOFTHSM2_CONF: use its fixture")
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)  # kept for the process: the module keeps it too
    _active = SoftHsm(MODULE, conf)
    return _active


@pytest.fixture(scope="session")
def token_adapter(softhsm: SoftHsm) -> Pkcs11TokenAdapter:
    return Pkcs11TokenAdapter(softhsm.module)


@pytest.fixture(scope="session")
def ca_folder(softhsm: SoftHsm, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA folder made once per session (RSA-3072 root, issuing key on its own token)."""
    folder = tmp_path_factory.mktemp("ca") / "kiosk-ca"
    EmbeddedCA.create(folder, module_path=softhsm.module, token_label=unique_label("CA"))
    return folder


@pytest.fixture(scope="session")
def embedded_ca(softhsm: SoftHsm, ca_folder: Path) -> EmbeddedCA:
    return EmbeddedCA.load(ca_folder, module_path=softhsm.module)


def token_objects(softhsm: SoftHsm, serial: str, pin: str) -> list[tuple[str, str]]:
    """(object kind, ID) of every object on the token ``serial`` as ``pkcs11-tool`` lists
    them, logged in with ``pin``; the token is found by its slot."""
    slots = softhsm.run("pkcs11-tool", "--module", softhsm.module, "--list-token-slots")
    slot = None
    for line in slots.splitlines():
        found = re.match(r"Slot \d+ \((0x[0-9a-f]+)\)", line)
        if found:
            slot = found.group(1)
        elif line.strip().startswith("serial num") and line.split(":", 1)[1].strip() == serial:
            break
    else:
        raise AssertionError(f"token {serial} not listed:\n{slots}")
    assert slot is not None
    listing = softhsm.run(
        "pkcs11-tool", "--module", softhsm.module, "--slot", str(int(slot, 16)),
        "--login", "--pin", pin, "--list-objects",
    )  # fmt: skip
    objects, kind = [], ""
    for line in listing.splitlines():
        if line and not line[0].isspace():
            kind = line.split(";")[0].strip()
        elif line.strip().startswith("ID:"):
            objects.append((kind, line.split(":", 1)[1].strip()))
    return objects
