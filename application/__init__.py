"""Use cases of AgentIdP and the ports they drive. Imports only the domain and its own ports."""
