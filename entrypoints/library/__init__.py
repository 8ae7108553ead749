"""AgentIdP: an identity provider for AI agents.

Embed it in-process with :class:`AgentIdP` (see ``agentidp.entrypoints.library``), run it as a
server with ``agentidp serve``.
"""
