"""Route tables, one module per family of endpoints; each exposes ``ROUTES``."""
