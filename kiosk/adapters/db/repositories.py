"""SQL repositories of the reference data and of the agents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update

from kiosk.adapters.db.schema import agents, offices, products
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.model import Agent, KeyAlgorithm, Office, Product, Role


def _office(row: Any) -> Office:
    return Office(code=row.code, chamber=row.chamber, name=row.name, address=row.address)


class SqlOfficeRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, code: str) -> Office | None:
        row = self._tx.execute(select(offices).where(offices.c.code == code)).first()
        return _office(row) if row else None

    def upsert(self, office: Office) -> None:
        values = {"chamber": office.chamber, "name": office.name, "address": office.address}
        if self.get(office.code) is None:
            self._tx.execute(insert(offices).values(code=office.code, **values))
        else:
            self._tx.execute(update(offices).where(offices.c.code == office.code).values(**values))

    def list(self) -> Sequence[Office]:
        rows = self._tx.execute(select(offices).order_by(offices.c.code))
        return [_office(row) for row in rows]


def _product(row: Any) -> Product:
    return Product(
        code=row.code,
        label=row.label,
        validity_years=row.validity_years,
        key_algorithm=KeyAlgorithm(row.key_algorithm),
    )


class SqlProductRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, code: str) -> Product | None:
        row = self._tx.execute(select(products).where(products.c.code == code)).first()
        return _product(row) if row else None

    def upsert(self, product: Product) -> None:
        values = {
            "label": product.label,
            "validity_years": product.validity_years,
            "key_algorithm": product.key_algorithm.value,
        }
        if self.get(product.code) is None:
            self._tx.execute(insert(products).values(code=product.code, **values))
        else:
            self._tx.execute(
                update(products).where(products.c.code == product.code).values(**values)
            )

    def list(self) -> Sequence[Product]:
        rows = self._tx.execute(select(products).order_by(products.c.code))
        return [_product(row) for row in rows]


def _agent(row: Any) -> Agent:
    return Agent(
        login=row.login,
        display_name=row.display_name,
        role=Role(row.role),
        office_code=row.office_code,
        password_hash=row.password_hash,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        active=bool(row.active),
    )


def _agent_values(agent: Agent) -> dict[str, Any]:
    return {
        "display_name": agent.display_name,
        "role": agent.role.value,
        "office_code": agent.office_code,
        "password_hash": agent.password_hash,
        "failed_logins": agent.failed_logins,
        "locked_until": agent.locked_until,
        "active": agent.active,
    }


class SqlAgentRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, login: str) -> Agent | None:
        row = self._tx.execute(select(agents).where(agents.c.login == login)).first()
        return _agent(row) if row else None

    def add(self, agent: Agent) -> None:
        self._tx.execute(insert(agents).values(login=agent.login, **_agent_values(agent)))

    def save(self, agent: Agent) -> None:
        self._tx.execute(
            update(agents).where(agents.c.login == agent.login).values(**_agent_values(agent))
        )
