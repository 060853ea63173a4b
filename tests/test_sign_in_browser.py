"""Sign-in end to end in a real browser: Streamlit's OpenID Connect flow against a local OpenID provider
(``oidc-provider-mock`` on loopback): sign in, ask, see yourself in History, sign out; someone outside the
allowlist is turned away after signing in; the answer log records who asked."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from oidc_provider_mock import User as ProviderUser
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import Page, expect

from nlq.store import open_store
from tests.support.browser import streamlit_app
from tests.support.postgres import free_port
from tests.support.standin_model import StandinModelServer

pytestmark = pytest.mark.browser

ANA = ProviderUser(sub="ana", claims={"email": "ana@example.com", "email_verified": True, "name": "Ana Analyst"})
EVE = ProviderUser(sub="eve", claims={"email": "eve@evil.com", "email_verified": True, "name": "Eve Outsider"})
WAIT_MS = 30_000
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def provider() -> Iterator[str]:
    with run_server_in_thread(port=free_port(), user_claims=[ANA, EVE]) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def signed_app(provider: str, demo_dir: Path, standin: StandinModelServer, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(f'''[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "nlq"
client_secret = "nlq-test-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"
''')
    settings = {"NLQ_DATA_DIR": str(demo_dir), "NLQ_MODEL_URL": standin.url, "NLQ_CACHE": "false",
                "NLQ_APP_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "NLQ_ALLOWED_USERS": "@example.com",
                "NLQ_ADMINS": "boss@example.com"}
    with streamlit_app(settings, port, ["--secrets.files", str(secrets_file)]) as url:
        yield url


def _sign_in_as(page: Page, app_url: str, subject: str) -> None:
    page.goto(app_url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=WAIT_MS)  # the identity provider's own page
    page.get_by_role("button", name=subject, exact=True).click()
    page.wait_for_url(f"{app_url}/**", timeout=WAIT_MS)


def _sign_out(page: Page, app_url: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/oauth2/end_session**", timeout=WAIT_MS)  # the provider ends its session too
    page.get_by_role("button").first.click()
    page.wait_for_url(f"{app_url}/**", timeout=WAIT_MS)


def test_sign_in_ask_sign_out_and_a_stranger_turned_away(signed_app: str, page: Page, tmp_path: Path) -> None:
    page.goto(signed_app)
    expect(page.get_by_text("Sign in with your work account")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_count(0)  # nothing to ask before signing in
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sign-in.png"))

    _sign_in_as(page, signed_app, "ana")
    expect(page.get_by_text("Signed in as Ana Analyst (ana@example.com)")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="Revenue by region in 2024").click()
    expect(page.get_by_text("No model: rules").first).to_be_visible(timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / "signed-in.png"))
    page.get_by_role("link", name="History").click()
    expect(page.get_by_text("Your own questions")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("1 entry, newest first.")).to_be_visible()

    _sign_out(page, signed_app)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("Signed in as")).to_have_count(0)

    _sign_in_as(page, signed_app, "eve")
    expect(page.get_by_text("eve@evil.com is not allowed to use nlq here")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_count(0)
    expect(page.get_by_role("link", name="History")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "turned-away.png"))

    log = open_store(f"sqlite:///{tmp_path / 'app.sqlite'}").log.entries()
    assert list(log["user"]) == ["ana@example.com"] and list(log["question"]) == ["Revenue by region in 2024"]


def test_an_unreadable_secrets_file_stops_the_app_instead_of_opening_it(demo_dir: Path, tmp_path: Path,
                                                                        page: Page) -> None:
    """Fail closed: a typo in the file that turns sign-in on must not leave the app open to everyone."""
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback\n')  # unterminated string
    settings = {"NLQ_DATA_DIR": str(demo_dir), "NLQ_APP_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite'}"}
    with streamlit_app(settings, free_port(), ["--secrets.files", str(broken)]) as url:
        page.goto(url)
        expect(page.get_by_text(f"nlq cannot start: {broken} could not be read")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_test_id("stChatInputTextArea")).to_have_count(0)
        expect(page.get_by_text("Single-user local mode")).to_have_count(0)
