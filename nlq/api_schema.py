"""The HTTP API's OpenAPI 3 document (``GET /v1/openapi.json``), written out rather than generated: the
answer object is ``python -m nlq ask --json``'s, a public contract documented in docs/cli.md, and the document
says so instead of guessing a schema from code."""

from __future__ import annotations

from typing import Any

from nlq import __version__
from nlq.route import Route

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["kind", "message"],
    "properties": {"kind": {"type": "string", "description": "stable name of the failure (nlq.errors.ErrorKind)"},
                   "message": {"type": "string"}, "hint": {"type": "string", "nullable": True}}}}}
ASK = {"type": "object", "required": ["question"], "additionalProperties": False, "properties": {
    "question": {"type": "string"},
    "route": {"type": "string", "enum": ["auto", "rules", "model"], "default": "auto"},
    "history": {"type": "array", "description": "the previous answer's history, for a follow-up question",
                "items": {"type": "object", "required": ["question", "sql"],
                          "properties": {"question": {"type": "string"}, "sql": {"type": "string"}}}},
    "choose": {"type": "array", "items": {"type": "string"},
               "description": "readings picked from an answer's clarify options"},
    "limit": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 1000,
              "description": "rows included in the answer"}}}
VERIFIED = {"type": "object", "nullable": True, "required": ["id", "verified_by", "verified_at"],
            "description": "the verified answer whose SQL answered (route verified); null for any other route",
            "properties": {"id": {"type": "integer", "description": "its id (python -m nlq verified list)"},
                           "question": {"type": "string", "description": "the question the admin verified"},
                           "title": {"type": "string", "nullable": True},
                           "verified_by": {"type": "string", "description": "the admin who verified it"},
                           "verified_at": {"type": "string", "format": "date-time", "description": "when (UTC)"}}}
ANSWER = {"type": "object", "description": "The object `python -m nlq ask --json` prints (docs/cli.md), plus "
          "answer_id (its id in the answer log), not_recorded and journaled.",
          "properties": {"answer_id": {"type": "integer", "nullable": True}, "question": {"type": "string"},
                         "route": {"type": "string", "nullable": True, "enum": [route.value for route in Route]},
                         "sql": {"type": "string", "nullable": True},
                         "columns": {"type": "array", "items": {"type": "string"}},
                         "rows": {"type": "array", "items": {"type": "array", "items": {}}},
                         "row_count": {"type": "integer"}, "error": {"nullable": True, "type": "object"},
                         "verified": VERIFIED},
          "additionalProperties": True}
ANSWER_REF = {"$ref": "#/components/schemas/Answer"}

TILE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "position": {"type": "integer"}, "title": {"type": "string"},
    "question": {"type": "string"}, "sql": {"type": "string"},
    "chart_type": {"type": "string", "description": "the chart the tile is drawn as"},
    "data_at": {"type": "string", "format": "date-time", "description": "when its rows were read (UTC)"},
    "from_cache": {"type": "boolean", "description": "kept from a run within the refresh interval"},
    "answer": {"allOf": [ANSWER_REF],
               "description": "the tile's fresh answer; its error says why it could not be refreshed"}}}
DASHBOARD = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "owner": {"type": "string"},
    "shared": {"type": "boolean"}, "refresh_seconds": {"type": "integer"},
    "tiles": {"type": "array", "items": TILE}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "bad input", 401: "no token, or an unknown or revoked one", 403: "the user is not allowed",
             404: "not found (or not yours)", 429: "rate limit: see the Retry-After header",
             500: "a bug in nlq (logged)", 503: "nlq's store cannot be reached"}
    return {str(status): {"description": words[status], "content": {"application/json": {"schema": ERROR}}}
            for status in statuses}


def json_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "nlq", "version": __version__,
                 "description": "Questions about your database in plain language, answered by nlq."},
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                                     "description": "python -m nlq token create --user EMAIL"}},
                       "schemas": {"Answer": ANSWER}},
        "security": [{"token": []}],
        "paths": {
            "/v1/health": {"get": {"summary": "Whether the service is up, its database and model", "security": [],
                                   "responses": {"200": {"description": "up", **json_of({"type": "object"})}}}},
            "/v1/ask": {"post": {"summary": "Answer a question, logged under the token's user",
                                 "requestBody": {"required": True, **json_of(ASK)},
                                 "responses": {"200": {"description": "the answer (which may be a refusal or a "
                                                       "question back: see error and clarify)", **json_of(ANSWER_REF)},
                                               **_errors(400, 401, 403, 429, 500, 503)}}},
            "/v1/answers/{answer_id}": {"get": {
                "summary": "One answer-log entry: the user's own, or anyone's for an admin",
                "parameters": [{"name": "answer_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "the entry", **json_of({"type": "object"})},
                              **_errors(400, 401, 403, 404, 429, 500, 503)}}},
            "/v1/dashboards/{dashboard_id}": {"get": {
                "summary": "A dashboard the user may view (own, shared, any for an admin), its tiles with fresh data",
                "parameters": [{"name": "dashboard_id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "the dashboard and its tiles", **json_of(DASHBOARD)},
                              **_errors(400, 401, 403, 404, 429, 500, 503)}}},
            "/v1/openapi.json": {"get": {"summary": "This document",
                                         "responses": {"200": {"description": "OpenAPI 3"},
                                                       **_errors(401, 429)}}},
        },
    }
