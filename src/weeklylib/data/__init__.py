"""Editable domain data shipped with weeklylib (read with importlib.resources)."""
