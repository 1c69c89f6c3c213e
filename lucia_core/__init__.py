"""lucia-core: session-based authentication for async Python, compatible with Lucia v2 databases."""

from .adapter import Adapter, SessionAdapter, SessionAndUserReader, UserAdapter, join_adapters
from .database import KeyRow, SessionRow, UserRow
from .errors import LuciaError

__all__ = [
    "Adapter",
    "KeyRow",
    "LuciaError",
    "SessionAdapter",
    "SessionAndUserReader",
    "SessionRow",
    "UserAdapter",
    "UserRow",
    "join_adapters",
]
