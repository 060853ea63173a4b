"""Sign-in in Streamlit's AppTest: the screens around ``st.login`` and what each kind of user sees.

AppTest stands in for the identity provider here (``at.user`` is what a verified identity token would
give); the whole OpenID Connect round trip runs in a real browser in ``test_sign_in_browser.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from nlq.pipeline import ask
from nlq.services import App

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
        "client_id": "nlq", "client_secret": "nlq-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ANA = {"is_logged_in": True, "email": "ana@example.com", "name": "Ana Analyst", "email_verified": True}
BOSS = {"is_logged_in": True, "email": "boss@example.com", "name": "The Boss"}


@pytest.fixture
def app(app_test: Callable[..., AppTest]) -> Callable[..., AppTest]:
    """The app with sign-in configured (``auth``) and nobody signed in, unless told otherwise."""
    def open_app(path: str = "streamlit_app.py", user: dict | None = None, auth: dict | None = AUTH,
                 **environ: str) -> AppTest:
        return app_test(path, user=user or {"is_logged_in": False}, secrets={"auth": auth} if auth else None,
                        **{"NLQ_ADMINS": "boss@example.com", **environ})
    return open_app


@pytest.fixture
def asked_by_two(make_app: Callable[..., App], store_url: str) -> App:
    app = make_app(NLQ_APP_DB_URL=store_url, NLQ_RULES="true")
    app.record(ask("Revenue by region in 2024", app.engine), "app", user="ana@example.com")
    app.record(ask("Total revenue", app.engine), "app", user="ben@example.com")
    return app


def _text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "info", "title") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_without_auth_the_sidebar_says_single_user_local_mode(app: Callable[..., AppTest]) -> None:
    at = app(auth=None)
    assert "Single-user local mode" in " ".join(c.value for c in at.sidebar.caption)
    assert not [b for b in at.button if b.label.startswith("Sign")]


def test_signed_out_sees_only_the_sign_in_screen(app: Callable[..., AppTest]) -> None:
    at = app()
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Sign in with your work account" in _text(at)
    assert not at.chat_input and "Revenue by region in 2024" not in [b.label for b in at.button]


def test_one_button_per_named_provider(app: Callable[..., AppTest]) -> None:
    provider = {key: AUTH[key] for key in ("client_id", "client_secret", "server_metadata_url")}
    at = app(auth={"redirect_uri": AUTH["redirect_uri"], "cookie_secret": "s", "okta": provider,
                   "entra-id": provider})
    assert [b.label for b in at.button] == ["Sign in with Okta", "Sign in with Entra Id"]


def test_someone_outside_the_allowlist_is_turned_away(app: Callable[..., AppTest]) -> None:
    at = app(user={"is_logged_in": True, "email": "eve@evil.com"}, NLQ_ALLOWED_USERS="@example.com")
    assert "eve@evil.com is not allowed to use nlq here" in at.error[0].value
    assert "NLQ_ALLOWED_USERS" in at.error[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.chat_input


def test_signed_in_user_asks_and_is_recorded(app: Callable[..., AppTest], store_url: str,
                                             make_app: Callable[..., App]) -> None:
    at = app(user=ANA, NLQ_ALLOWED_USERS="@example.com")
    assert "Signed in as **Ana Analyst (ana@example.com)**" in " ".join(c.value for c in at.sidebar.caption)
    at.button(key="example-0").click().run()
    assert not at.exception
    log = make_app(NLQ_APP_DB_URL=store_url).store.get().log.entries()
    assert list(log["user"]) == ["ana@example.com"]


def test_a_user_sees_only_their_own_history(app: Callable[..., AppTest], asked_by_two: App) -> None:
    at = app("pages/1_History.py", user=ANA)
    assert list(at.dataframe[0].value["question"]) == ["Revenue by region in 2024"]
    assert "Your own questions" in _text(at)
    assert not [m for m in at.multiselect if m.label == "User"]
    at = app("pages/3_Usage_and_cost.py", user=ANA)
    assert _metric(at, "Questions") == "1"  # the planner's metrics come first


def test_an_admin_sees_everyones_history(app: Callable[..., AppTest], asked_by_two: App) -> None:
    at = app("pages/1_History.py", user=BOSS)
    assert list(at.dataframe[0].value["question"]) == ["Total revenue", "Revenue by region in 2024"]
    at = app("pages/3_Usage_and_cost.py", user=BOSS)
    assert _metric(at, "Questions") == "2"  # the planner's metrics come first
    at = app(user=BOSS)
    assert "Signed in as **The Boss (boss@example.com)** · admin" in " ".join(c.value for c in at.sidebar.caption)


def test_only_admins_approve_examples(app: Callable[..., AppTest], asked_by_two: App) -> None:
    asked_by_two.store.get().examples.add("Orders by channel", "SELECT channel, COUNT(*) FROM orders GROUP BY 1",
                                          "ana@example.com")
    at = app("pages/4_Examples.py", user=ANA)
    assert "Only admins approve" in at.info[0].value
    assert not [b for b in at.button if b.label == "Approve"]
    assert at.text_area[0].disabled
    at = app("pages/4_Examples.py", user=BOSS)
    approve = [b for b in at.button if b.label == "Approve"]
    assert len(approve) == 1
    approve[0].click().run()
    assert "approved" in at.success[0].value


def _metric(at: AppTest, label: str) -> str:
    [value] = [metric.value for metric in at.metric if metric.label == label]
    return value
