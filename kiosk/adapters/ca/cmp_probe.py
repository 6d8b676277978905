"""Whether a CA reached with CMP answers, asked without issuing or revoking anything: one
general message (``genm``), within short timeouts (``PROBE_*``) so that a silent CA holds
neither the doctor nor the desk for long. ``kiosk doctor`` reads the whole answer; the
desk (``CmpAvailability``) only whether the CA answers before it wipes a holder's token.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.adapters.ca.cmp_client import CmpEndpoint, OpensslCmpClient
from kiosk.domain.ca_errors import (
    NOTHING_WRITTEN,
    CaAuthenticationError,
    CaOperation,
    CaRejectedError,
    CaUnreachableError,
)

PROBE_MESSAGE_SECONDS = 5
PROBE_TOTAL_SECONDS = 10
GENERAL_MESSAGE = ["-cmd", "genm"]


def probe_client(endpoint: CmpEndpoint) -> OpensslCmpClient:
    """The endpoint's client with the probe's timeouts (never longer than its own)."""
    return OpensslCmpClient(
        replace(
            endpoint,
            message_timeout=min(endpoint.message_timeout, PROBE_MESSAGE_SECONDS),
            total_timeout=min(endpoint.total_timeout, PROBE_TOTAL_SECONDS),
        )
    )


class CmpAvailability:
    """``CaAvailability`` over CMP."""

    def __init__(self, endpoint: CmpEndpoint) -> None:
        self._client = probe_client(endpoint)

    def unavailable(self) -> str | None:
        try:
            self._client.run(GENERAL_MESSAGE, CaOperation.PROBE)
        except (CaUnreachableError, CaAuthenticationError) as exc:
            return exc.message.removesuffix(NOTHING_WRITTEN).strip()
        except CaRejectedError:
            return None  # it answers: a CA may refuse general messages and still issue
        return None
