"""What adapter packages ask of the core about their drivers: the ImportError that names the
extra to install, and the check that a factory was handed the driver object it needs."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def missing_driver(package: str, driver: str, extra: str) -> ImportError:
    """The error an adapter package raises (``from None``) when its driver is not installed."""
    return ImportError(
        f'{package} needs {driver}, which is not installed: pip install "lucia-core[{extra}]"',
        name=package,
    )


def expect(factory: str, value: T, expected: type | tuple[type, ...], what: str, hint: str) -> T:
    """``value`` when it is an instance of ``expected``; else a TypeError saying what ``factory``
    needs (``what``), what it got, and how to make the right object (``hint``)."""
    if isinstance(value, expected):
        return value
    got = (
        f"the str {value!r}"
        if isinstance(value, str)
        else f"a {type(value).__module__}.{type(value).__qualname__}"
    )
    raise TypeError(f"{factory}() needs {what}, not {got}: {hint}")
