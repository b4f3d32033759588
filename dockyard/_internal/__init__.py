"""Helpers shared by packages that must not import each other (api and cli): no engine state."""
