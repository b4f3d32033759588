"""The Docker Engine API over HTTP: routes, versions, JSON shapes, errors, hijacked streams.

Handlers are adapters: parse the request, make one call on ``EngineFacade``, render Docker's
shape. ``dockyard.api.server.build_app`` assembles them; ``serve_unix`` puts them on a socket.
"""
