"""The tokens a provider's token endpoint answers with, as frozen dataclasses."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

T = TypeVar("T", bound="OAuth2Tokens")


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class OAuth2Tokens:
    """``access_token``, ``access_token_expires_in`` (seconds), ``refresh_token`` and ``id_token``,
    each None when the provider gave none. Providers subclass it to add their own fields, read from
    the answer under the field's name (or the name in ``answer_names``). The repr of this class and
    of every subclass (``@dataclass`` or not) shows which tokens are present, never their values."""

    #: Field name -> the name of the answer's member it is read from, where they differ.
    answer_names: ClassVar[Mapping[str, str]] = {"access_token_expires_in": "expires_in"}

    access_token: str
    access_token_expires_in: int | None = None
    refresh_token: str | None = None
    id_token: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A provider's subclass is decorated with @dataclass, which writes a repr showing every
        # token unless the class already has one of its own: give it the masking one first.
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = OAuth2Tokens.__repr__  # type: ignore[method-assign]

    @classmethod
    def from_answer(cls: type[T], body: Mapping[str, Any]) -> T:
        """The tokens in a token endpoint's JSON answer; members of the wrong type are left None."""
        names = {**OAuth2Tokens.answer_names, **cls.answer_names}
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            value = body.get(names.get(field.name, field.name))
            expected = str if "str" in str(field.type) else int
            if isinstance(value, expected) and not isinstance(value, bool):
                values[field.name] = value
        return cls(**values)

    def __repr__(self) -> str:
        # Tokens are credentials: show which are present, never their values.
        present = ", ".join(
            f"{field.name}=..."
            if isinstance(getattr(self, field.name), str)
            else f"{field.name}={getattr(self, field.name)!r}"
            for field in dataclasses.fields(self)
        )
        return f"{type(self).__name__}({present})"
