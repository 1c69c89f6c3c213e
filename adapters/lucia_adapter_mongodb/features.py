"""What a MongoDB deployment supports, asked of the server once per adapter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The stages of get_session_and_user's one-round-trip aggregate.
_LOOKUP_STAGES = frozenset({"$match", "$limit", "$replaceRoot", "$lookup"})


@dataclass(frozen=True)
class ServerFeatures:
    """What the deployment supports, as the adapter detects it once (``server_features()``).

    ``transactions``: multi-document transactions (a replica set or a sharded cluster).
    ``lookup``: the aggregation stages ``$lookup`` and ``$replaceRoot`` (FerretDB v1 lacks both).
    ``atomic_updates``: a filtered update matches and sets in one step. FerretDB v1 reads the
    document, applies the filter and then writes by ``_id``, so of concurrent compare-and-sets
    (``replace_key_password``) more than one can succeed; MongoDB's are atomic per document.
    """

    transactions: bool
    lookup: bool
    atomic_updates: bool


async def detect_features(admin: Any) -> ServerFeatures:
    """Ask the server (its ``hello`` and ``buildInfo``) through the client's admin database."""
    hello = await admin.command("hello")
    build = await admin.command("buildInfo")
    # Transactions need sessions and a replica set member or a mongos router.
    transactions = "logicalSessionTimeoutMinutes" in hello and (
        "setName" in hello or hello.get("msg") == "isdbgrid"
    )
    # FerretDB lists the aggregation stages it implements; MongoDB has these since 3.4.
    stages = build.get("ferretdbFeatures", {}).get("aggregationStages")
    lookup = stages is None or _LOOKUP_STAGES.issubset(stages)
    return ServerFeatures(
        transactions=bool(transactions), lookup=lookup, atomic_updates="ferretdbVersion" not in build
    )
