"""``wupian serve``: the web app and JSON API over the warehouse (uvicorn on loopback by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wupian.cli.context import db_path
from wupian.core.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""

    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8000,
        db: Annotated[str | None, typer.Option("--db", help="Warehouse file (overrides the global --db).")] = None,
        ops_db: Annotated[str | None, typer.Option(
            "--ops-db", envvar="WUPIAN_OPS_DB",
            help="Operational database: postgresql://… or a SQLite file (default: beside the warehouse).")] = None,
        data_root: Annotated[Path | None, typer.Option(
            "--data-root", envvar="WUPIAN_DATA_ROOT",
            help="The month-end desk may pick folders under this folder (uploads are always allowed).")] = None,
        secure_cookies: Annotated[bool, typer.Option("--secure-cookies",
                                                     help="Mark cookies Secure (behind HTTPS).")] = False,
    ) -> None:
        """Serve the zh-CN web app and the JSON API (users: see `wupian users`)."""
        try:
            import uvicorn

            from wupian.engine.warehouse import default_db_path
            from wupian.ops.store import default_ops_dsn
            from wupian.web.app import create_app
            from wupian.web.settings import WebSettings
        except ImportError as exc:
            raise UsageError(f"the web app needs its extra: pip install 'wupian[web]' ({exc.name} missing)") from exc
        path = Path(db or db_path() or default_db_path())
        if not path.is_file():
            raise UsageError(f"no warehouse at {path}; build one with `wupian demo` or `wupian load`")
        if data_root is not None and not data_root.is_dir():
            raise UsageError(f"--data-root {data_root} is not a folder")
        settings = WebSettings(db_path=path, ops_dsn=ops_db or default_ops_dsn(str(path)),
                               secure_cookies=secure_cookies, data_root=data_root.resolve() if data_root else None)
        app_ = create_app(settings)
        typer.echo(f"wupian: serving {path} at http://{host}:{port}/  (Ctrl+C to stop)", err=True)
        uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False)
