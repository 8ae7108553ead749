"""The ``agentidp`` command line: operator commands that drive the use cases in-process.

Every command builds the same container as the HTTP app, against the configured store, runs
one use case and shuts the container down again. See ``docs/cli.md``.
"""
