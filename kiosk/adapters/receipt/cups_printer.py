"""Printing the receipt through CUPS's ``lp`` command, and a printer that prints nothing.

``lp -d <printer> -t <title> <file>`` answers ``request id is <printer>-<n> (1 file(s))``
on success. Any failure becomes a French DeviceError telling the agent where the PDF
stays available, so that it can be printed later or elsewhere.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from kiosk.domain.errors import ConfigError, DeviceError

DEFAULT_TIMEOUT_SECONDS = 30.0
NO_PRINT_JOB = ""
_REQUEST_ID = re.compile(r"request id is (\S+)")
_PRINTER_NAME = re.compile(r"[^\s/#\-][^\s/#]{0,126}")  # CUPS: no space, slash or hash
_UNKNOWN_PRINTER = ("does not exist", "n'existe pas", "not found", "introuvable")
RECEIPT = ("PV", "le PV")  # the job title's word, the document in a French sentence
ATTESTATION = ("Attestation", "l'attestation")
_NO_SCHEDULER = ("scheduler not responding", "connection refused", "unable to connect")


class CupsPrinter:
    """Implements ``Printer`` with ``lp``; one instance per configured CUPS queue and kind
    of document (``document`` names it in the job's title and in French errors)."""

    def __init__(
        self,
        printer: str,
        *,
        lp_command: str = "lp",
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        document: tuple[str, str] = RECEIPT,
    ) -> None:
        if not _PRINTER_NAME.fullmatch(printer):
            raise ConfigError(
                "KIOSK_PRINTER", f"nom de file d'impression CUPS invalide : {printer!r}"
            )
        self.printer = printer
        self._lp = lp_command
        self._timeout = timeout_seconds
        self._title_word, self._document = document

    def print_file(self, path: Path) -> str:
        """Queue ``path`` on the printer; return the CUPS job id (e.g. ``accueil-12``)."""
        if not path.is_file():
            raise DeviceError(f"Impression impossible : le fichier {path} est introuvable.")
        command = [self._lp, "-d", self.printer, "-t", f"{self._title_word} {path.stem}", str(path)]
        try:
            done = subprocess.run(  # noqa: S603 (no shell; arguments are ours)
                command,
                capture_output=True,
                text=True,
                errors="replace",
                env={**os.environ, "LC_ALL": "C"},  # lp's English messages are the ones we read
                timeout=self._timeout,
                check=False,
            )
        except FileNotFoundError:
            raise self._failure(path, "la commande lp (CUPS) est absente de ce poste") from None
        except OSError:
            raise self._failure(path, "la commande lp (CUPS) ne peut pas être lancée") from None
        except subprocess.TimeoutExpired:
            raise self._failure(
                path, f"le service d'impression ne répond pas (plus de {self._timeout:g} s)"
            ) from None
        if done.returncode != 0:
            raise self._failure(path, self._reason(done.stderr or done.stdout, done.returncode))
        match = _REQUEST_ID.search(done.stdout)
        if match is None:
            raise DeviceError(
                f"Impression non confirmée : lp n'a pas donné de numéro de travail — vérifier"
                f" l'imprimante « {self.printer} » ; {self._document} reste disponible dans {path}."
            )
        return match.group(1)

    def _reason(self, output: str, returncode: int) -> str:
        lowered = output.lower()
        if any(marker in lowered for marker in _UNKNOWN_PRINTER):
            return f"l'imprimante « {self.printer} » est inconnue de CUPS"
        if any(marker in lowered for marker in _NO_SCHEDULER):
            return "le service d'impression CUPS ne répond pas"
        first_line = next((line.strip() for line in output.splitlines() if line.strip()), "")
        if first_line:
            return f"lp a répondu « {first_line[:160]} »"
        return f"lp a échoué (code {returncode})"

    def _failure(self, path: Path, reason: str) -> DeviceError:
        return DeviceError(
            f"Impression impossible : {reason} — {self._document} reste disponible dans {path}."
        )


class NullPrinter:
    """Implements ``Printer`` when no printer is configured: prints nothing, job id ``""``."""

    def print_file(self, path: Path) -> str:
        return NO_PRINT_JOB
