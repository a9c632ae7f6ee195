"""The fault and attack suite: every case a user or an attacker can throw at looptune, in one folder.

Each module is one surface (a server, the hub, serve, the registry, training,
the chat) and each test name says the fault and what must hold. The run prints
how many cases ran, so CI's log shows the suite's size beside its result.
"""


# The count is kept by tests/conftest.py: under pytest-xdist only the top conftest reaches the process that
# prints the summary (the workers collect and run the cases; the controller reports them).
