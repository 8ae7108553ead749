"""Reading a delegation link's chain (root first) from the store: one place, used by the
delegation use cases and by bearer authentication of delegated tokens."""

from __future__ import annotations

from agentidp.domain.delegation import Delegation, DelegationId
from agentidp.domain.token import MAX_ACT_DEPTH

from .ports.delegations import DelegationRepository


async def load_chain(delegations: DelegationRepository, leaf_id: DelegationId) -> list[Delegation]:
    """The chain ending at ``leaf_id``, root first; empty when a link is missing or the
    walk exceeds :data:`MAX_ACT_DEPTH` links (a corrupted store with a cycle must not loop).

    Callers treat an empty chain as "not active".
    """
    chain: list[Delegation] = []
    next_id: DelegationId | None = leaf_id
    while next_id is not None:
        if len(chain) >= MAX_ACT_DEPTH:
            return []
        link = await delegations.get(next_id)
        if link is None:
            return []
        chain.append(link)
        next_id = link.parent_id
    chain.reverse()
    return chain
