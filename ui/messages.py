"""Every failure, said the same way on every page: what failed and why in bold, then what to do next.

Calm kinds (a refusal, a hand-over, a question to rephrase) are nlq working as intended: a notice, not an
alarm. Raw tracebacks never reach the page; the engine's typed errors carry everything shown here.
"""

from __future__ import annotations

import streamlit as st

from nlq.errors import ErrorReport, NlqError


def show_error(error: NlqError | ErrorReport, lead: str = "", also: str = "", icon: str | None = None,
               calm: bool | None = None) -> None:
    """``lead`` goes before the message ("nlq cannot start: "), ``also`` after the hint; ``calm`` overrides
    the kind's own (a model server that is down is only a notice where the rules still answer)."""
    text = f"**{lead}{error.message}**" + "".join(f"\n\n{part}" for part in (error.hint, also) if part)
    if error.kind.calm if calm is None else calm:
        st.warning(text, icon=icon or ":material/shield:")
    else:
        st.error(text, icon=icon or ":material/error:")
