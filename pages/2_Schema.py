"""Schema: what nlq can see — tables, columns, types, keys, comments, sample values — and what it may not."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nlq.errors import NlqError
from ui.messages import show_error
from ui.state import app

engine = app().engine
st.title("Schema")
try:
    schema = engine.schema()
except NlqError as error:
    show_error(error)
    st.stop()

info = engine.info
st.markdown(f"**{info.name}** · {info.dialect} · **{len(schema.tables)}** tables exposed to questions"
            + (f" · **{len(schema.excluded)}** excluded" if schema.excluded else "")
            + (f" · **{len(schema.hidden_columns)}** hidden columns" if schema.hidden_columns else ""))
if schema.excluded:
    st.warning("Excluded by `NLQ_EXCLUDE_TABLES` — no question may read them, and the model never sees them: "
               + ", ".join(f"`{name}`" for name in schema.excluded), icon=":material/visibility_off:")
if schema.hidden_columns:
    st.warning("Hidden columns — no question may read them, and the model never sees them: "
               + "; ".join(f"`{c.table}.{c.column}` ({c.reason})" for c in schema.hidden_columns)
               + ". To open one on purpose, name it in `NLQ_EXPOSE_COLUMNS`.", icon=":material/visibility_off:")
if not schema.tables:
    st.info("This database has no tables that questions may read. Point `NLQ_DATABASE_URL` at another "
            "database, or check `NLQ_EXCLUDE_TABLES`.")
    st.stop()

search = st.text_input("Find a table or column", key="schema-search").strip().lower()
for table in schema.tables:
    names = [table.name.lower(), *(c.name.lower() for c in table.columns)]
    if search and not any(search in name for name in names):
        continue
    title = f"**{table.name}** — {len(table.columns)} columns" + (f" · {table.comment}" if table.comment else "")
    with st.expander(title, expanded=bool(search)):
        st.dataframe(pd.DataFrame([{
            "column": c.name, "type": c.type, "key": "primary" if c.primary_key else "",
            "references": c.references or "", "nullable": c.nullable, "comment": c.comment or "",
            "sample values": ", ".join(c.samples),
        } for c in table.columns]), hide_index=True)
