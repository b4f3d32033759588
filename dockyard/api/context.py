"""What handlers reach through the application: the engine, typed by an ``AppKey``."""

from __future__ import annotations

from aiohttp import web

from dockyard.engine.facade import EngineFacade

ENGINE = web.AppKey("dockyard.engine", EngineFacade)


def engine_of(request: web.Request) -> EngineFacade:
    return request.app[ENGINE]
