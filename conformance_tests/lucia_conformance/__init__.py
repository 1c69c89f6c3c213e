"""lucia_conformance: the shared conformance suite for lucia-core adapters.

It checks an adapter against the sentences of the protocol docstrings in
:mod:`lucia_core.adapter`, and names the sentence a failing adapter broke::

    SessionAdapter.update_session broke: "Set only the named columns of the session; ..."

Testing your own adapter
------------------------
Install ``lucia-core[conformance]`` and write a ``conftest.py`` in a folder of its own that
defines two function-scoped fixtures (async ones with ``@pytest_asyncio.fixture``):

``lucia_adapter``
    The adapter under test: a regular adapter, a user adapter, or a session-only adapter.
``lucia_database``
    A :class:`RawDatabase` over the same tables: ``user``, ``key``, ``session`` and ``token``,
    each a :class:`RawTable` (``insert``, ``get_all``, ``clear``) or None for a table the adapter
    does not have. The suite clears the tables before each test and checks every write through raw reads
    and every read through raw inserts.

and optionally ``lucia_conformance_options`` returning :class:`ConformanceOptions`. Then, from
that folder, run::

    pytest --pyargs lucia_conformance --rootdir=.

(``--rootdir=.`` keeps your fixtures visible to the suite when a pytest configuration sits in a
parent folder; if that configuration changes ``python_files``, add ``-o python_files=test_*.py``.)
The plugin that provides the default fixtures loads through the ``pytest11`` entry point; with
``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` set, add ``-p lucia_conformance.plugin``.
``tests/conformance/sqlite/conftest.py`` in the lucia-core repository is a complete example.

The schema the suite expects
----------------------------
Lucia's three tables with their columns (``id``; ``id``, ``user_id``, ``hashed_password``; ``id``,
``user_id``, ``active_expires``, ``idle_expires`` as 64-bit integers), plus:

- on the user table, an attribute column ``username``: text, UNIQUE;
- on the session table, an attribute column ``country``: text, nullable;
- on the token table (``id``, ``user_id``, ``purpose``, ``expires`` as a 64-bit integer), for an
  adapter that implements ``TokenAdapter``, an attribute column ``email``: text, nullable.

Ids are compared exactly (case, accents, trailing spaces) and must hold any Unicode text.
Schemaless backends need no columns, but a unique index on ``username`` (the suite checks that a
unique-attribute error propagates and leaves nothing behind).

What runs
---------
An adapter without ``get_user`` (session-only) runs the session half; one without ``get_session``
(user-only) runs the user half; the token half (``get_token``, ``consume_token``...) runs for an
adapter that implements ``TokenAdapter``. Say what the adapter stores in the options
(``ConformanceOptions(halves=frozenset({"session", "token"}))``) and the other halves are
deselected; otherwise they are skipped with the reason. The ``get_session_and_user`` and
``get_user_and_sessions`` tests run when the adapter has that optional method.
"""

from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawDatabase, RawTable, SQLTable, sql_database
from lucia_conformance.store import SUITE_ATTRIBUTES, ThrowawayStore

__all__ = [
    "SUITE_ATTRIBUTES",
    "ConformanceOptions",
    "RawDatabase",
    "RawTable",
    "SQLTable",
    "ThrowawayStore",
    "sql_database",
]
