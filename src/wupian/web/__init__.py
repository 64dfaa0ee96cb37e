"""The web app (``wupian serve``): server-rendered zh-CN pages with a little htmx, and the stable JSON API.

``create_app(WebSettings(...))`` builds a FastAPI application; nothing is module-level state. Every asset is
shipped in ``wupian/web/static`` (no CDN); the server reads immutable published copies of the warehouse
(``wupian.engine.published``) and owns its writes through a single job runner.
"""

from __future__ import annotations
