"""The sidebar: which database, whether the model server is ready, and a fresh start."""

from __future__ import annotations

import streamlit as st

from nlq.backends import ModelServerStatus, check_server
from nlq.doctor import check_setup, sign_in_check
from nlq.engine import Engine
from nlq.errors import NlqError
from nlq.schedule import model_asleep
from nlq.settings import DEFAULT_SECRETS_PATH, Settings
from nlq.targets import primary_target
from ui.messages import show_error

MODEL_STATUS_TTL_S = 15
HOSTED_PRIMARY_NOTICE = ("Questions and schema go to AWS Bedrock: NLQ_MODEL names a hosted model, so every question "
                         "a model answers, with the schema it needs, is sent to AWS.")


@st.cache_data(ttl=MODEL_STATUS_TTL_S, show_spinner=False)
def _model_status(settings_json: str) -> ModelServerStatus:
    return check_server(primary_target(Settings.model_validate_json(settings_json)))


def render_sidebar(engine: Engine) -> bool:
    """Draws the sidebar; True when the user asked for a new chat."""
    settings = engine.settings
    with st.sidebar:
        new_chat = st.button("New chat", icon=":material/add_comment:", width="stretch")
        st.subheader("Database")
        info = engine.info
        try:
            tables = len(engine.schema().tables)
            label = "demo retail database" if settings.uses_demo_database else info.name
            st.markdown(f"**{label}** · {info.dialect} · {tables} tables")
        except NlqError as error:
            show_error(error)
        st.subheader("Model")
        target = primary_target(settings)
        asleep = model_asleep(settings.model_hours)
        st.markdown(f"**{settings.model_name}** at `{target.url}`" if not target.on_aws
                    else f"**{settings.model_name}** · {target.where}")
        if target.hosted:  # the owner chose a hosted model: said here all the time, not only on each answer
            st.warning(HOSTED_PRIMARY_NOTICE, icon=":material/cloud_upload:")
        status = None if asleep else _model_status(settings.model_dump_json())  # off on purpose: not probed
        if asleep is not None:
            rules_note = " Simple questions are still answered by rules." if settings.rules else ""
            st.info(f"**Model server asleep.** {asleep.message}{rules_note}", icon=":material/bedtime:")
        elif status is not None and status.reachable and status.model_present:
            st.success("Model server ready", icon=":material/check_circle:")
        elif status is not None and status.problem is not None:
            rules_note = "Simple questions are still answered by rules." if settings.rules else ""
            show_error(status.problem, also=rules_note, icon=":material/warning:", calm=True)
        routes = [name for name, on in (("rules", settings.rules), ("cache", settings.cache)) if on]
        fallback = ["hosted fallback"] if settings.fallback_model else []
        st.caption("Answered by: " + " → ".join([*routes, "model", *fallback]))
        with st.expander("Check setup", icon=":material/stethoscope:"):
            if st.button("Run checks", key="run-doctor", width="stretch"):
                for check in [sign_in_check(settings, DEFAULT_SECRETS_PATH), *check_setup(settings)]:
                    mark = ":material/check_circle:" if check.ok else ":material/cancel:"
                    st.markdown(f"{mark} **{check.name}**: {check.detail}" + (f"\n\n{check.fix}" if check.fix else ""))
        st.caption("Result rows stay on your infrastructure." if target.hosted
                   else "Questions, schema and rows stay on your infrastructure.")
    return new_chat
