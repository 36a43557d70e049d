"""The factory's deferrable triggers: waits that run on the triggerer and hold no worker slot.

Serialised as a classpath and plain kwargs (ids, times; never a secret): each trigger
reads its Connection itself through the hooks.
"""
