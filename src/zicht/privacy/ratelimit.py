"""A fixed-window counter in Django's cache (docs/decisions/0003-rate-limits.md explains the choice)."""

from django.core.cache import cache

from zicht.core import clock


def _key(scope, ident, period):
    window = int(clock.now().timestamp() // period)
    return f"zicht:rl:{scope}:{ident}:{window}"


def hit(scope, ident, limit, period):
    """Count one event; False when the limit for this window was already reached."""
    key = _key(scope, ident, period)
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    return count <= limit


def is_blocked(scope, ident, limit, period):
    return (cache.get(_key(scope, ident, period)) or 0) >= limit
