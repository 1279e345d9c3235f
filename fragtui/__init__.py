"""fragtui: watch KV-cache fragmentation happen, contiguous against paged."""

__version__ = "0.1.0"
