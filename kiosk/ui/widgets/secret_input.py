"""An input for secrets (passwords, withdrawal codes): masked, and never copied while masked."""

from __future__ import annotations

from textual.widgets import Input


class SecretInput(Input):
    """Copy and cut would put a masked secret on the terminal's clipboard: refused while
    masked. Once the agent shows the value (``password = False``) they work as usual."""

    def __init__(
        self,
        *,
        placeholder: str = "",
        max_length: int = 0,
        id: str | None = None,
    ) -> None:
        super().__init__(
            placeholder=placeholder,
            password=True,
            max_length=max_length,
            select_on_focus=False,
            id=id,
        )

    def action_copy(self) -> None:
        if not self.password:
            super().action_copy()

    def action_cut(self) -> None:
        if not self.password:
            super().action_cut()

    def clear_secret(self) -> None:
        """Forget the value and mask again."""
        self.value = ""
        self.password = True
