"""lucia_throttle_conformance: the conformance suite for login-throttle stores.

It checks a :class:`lucia_core.throttling.ThrottleStore` against each sentence of the protocol's
docstrings and names the sentence a failing store broke::

    ThrottleStore.claim broke: "Of concurrent calls for a key whose timeout has ended, exactly one ..."

Testing your own store
----------------------
Install ``lucia-core[conformance]`` and write a ``conftest.py`` in a folder of its own defining a
function-scoped fixture ``lucia_throttle_store``: the store under test, on a server of its own or
under a prefix of its own (each test uses random keys, so stored state from other tests does not
matter). Then, from that folder, run::

    pytest --pyargs lucia_throttle_conformance --rootdir=.

The suite waits on real time (timeouts of a few hundred milliseconds), so a store must use a
clock that runs at the wall clock's pace; it needs about half a minute.
"""
