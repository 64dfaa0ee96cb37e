"""One error body everywhere: ``{"error": {"code", "message"}}`` — for our own errors, FastAPI's validation
errors, unknown routes and any unexpected exception (which is logged, never shown as a traceback)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from wupian.core.errors import DataError, NotFound, UsageError

LOG = logging.getLogger("wupian.web")

MESSAGES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "未找到"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "当前状态不允许此操作"),
    422: ("invalid", "请求参数有误"),
    429: ("too_many_attempts", "登录失败次数过多，请稍后再试"),
}


class ApiError(Exception):
    def __init__(self, status: int, message: str | None = None, code: str | None = None) -> None:
        default_code, default_message = MESSAGES.get(status, ("error", "出错了"))
        super().__init__(message or default_message)
        self.status, self.code, self.message = status, code or default_code, message or default_message


def not_found() -> ApiError:
    """The one answer for an unknown object and for one outside the user's subtree (same status and body)."""
    return ApiError(404)


def body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        if exc.status == 401 and _wants_html(request):
            return Response(status_code=303, headers={"Location": "/login"})
        return JSONResponse(body(exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = MESSAGES.get(exc.status_code, ("error", "出错了"))
        return JSONResponse(body(code, message), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]) for e in exc.errors()[:5])
        return JSONResponse(body("invalid", f"请求参数有误：{fields}"), status_code=422)

    @app.exception_handler(NotFound)  # before UsageError's: the handler of the nearest class answers
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return JSONResponse(body("not_found", exc.zh), status_code=404)

    @app.exception_handler(UsageError)
    async def _usage(request: Request, exc: UsageError) -> Response:
        return JSONResponse(body("bad_request", str(exc)), status_code=400)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # bad input a banker can fix: every located issue (column, value, expectation) in the message and listed
        issues = [str(i) for i in exc.issues[:50]]
        message = f"{exc}: " + "; ".join(i.message for i in exc.issues[:10]) if exc.issues else str(exc)
        payload = body("data_error", message)
        payload["error"]["issues"] = issues  # type: ignore[assignment]
        return JSONResponse(payload, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        LOG.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(body("internal", "服务器内部错误，已记录"), status_code=500)
