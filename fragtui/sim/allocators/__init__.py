"""The allocators, each with exact undo, their registry, and their adapters to the pool contract."""
