"""nlq's front end: the chat page and the pages beside it. It renders; the nlq engine decides."""

from __future__ import annotations

import streamlit as st

from ui.auth import gate, render_account
from ui.chat import chat_page
from ui.state import settings

st.set_page_config(page_title="nlq — ask your data", page_icon=":material/query_stats:", layout="wide")
user = gate(settings())  # with sign-in configured, nothing below runs for someone not signed in and allowed
if user is None:
    # The sign-in screen is drawn; a hidden one-page navigation keeps the other pages out of reach and sight.
    st.navigation([st.Page(lambda: None, title="Sign in", url_path="sign-in")], position="hidden")
    st.stop()
render_account(user)
navigation = st.navigation([
    st.Page(chat_page, title="Ask", icon=":material/chat:", default=True),
    st.Page("pages/1_History.py", title="History", icon=":material/history:"),
    st.Page("pages/2_Schema.py", title="Schema", icon=":material/table_chart:"),
    st.Page("pages/3_Usage_and_cost.py", title="Usage & cost", icon=":material/payments:"),
    st.Page("pages/4_Examples.py", title="Examples", icon=":material/school:"),
    st.Page("pages/5_Dashboards.py", title="Dashboards", icon=":material/dashboard:"),
])
navigation.run()
