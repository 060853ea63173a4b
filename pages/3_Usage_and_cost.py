"""Usage & cost: how this installation is used, how fast and well it answers, and what an answer costs
on the owner's GPU against the same tokens at a hosted API's prices."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from nlq.access import visible_users
from nlq.costs import (
    HOURS_PER_MONTH,
    Prices,
    break_even_volume,
    cost_per_question,
    latency_by_route,
    monthly_costs,
    questions_per_day,
    route_colours,
    route_mix,
    tokens_per_answer,
    usage_figures,
)
from ui.state import app, app_store, current_user

shared = app()
settings = shared.settings
user = current_user()
st.title("Usage & cost")
log = app_store(shared).log.entries(limit=1_000_000, users=visible_users(user))
if not user.is_admin:
    st.caption("Your own questions only; admins see everyone's.")
if log.empty:
    st.info("No questions yet: this page fills in as people ask. Costs use the prices in settings "
            "(`NLQ_GPU_PRICES`, `NLQ_API_INPUT_PRICE`, `NLQ_API_OUTPUT_PRICE`).", icon=":material/payments:")
    st.stop()

figures = usage_figures(log)
colours = route_colours()
first, second, third, fourth = st.columns(4)
first.metric("Questions", f"{figures.questions:,}")
second.metric("Answered", f"{figures.answered_share:.0%}")
third.metric("Without a model", f"{figures.free_share:.0%}", help="Answered by rules or from the cache")
fourth.metric("Tokens per model answer", f"{figures.tokens_per_model_answer:,.0f}")

st.plotly_chart(px.bar(questions_per_day(log), x="day", y="questions", color="route", color_discrete_map=colours,
                       title="Questions per day"), key="usage-per-day")
mix_column, latency_column = st.columns(2)
mix_column.plotly_chart(px.pie(route_mix(log), names="route", values="questions", color="route",
                               color_discrete_map=colours, title="Route mix"), key="usage-mix")
latency_column.markdown("**Latency and success per route** (milliseconds)")
latency_column.dataframe(latency_by_route(log), hide_index=True, column_config={
    "p50": st.column_config.NumberColumn(format="%.0f"), "p95": st.column_config.NumberColumn(format="%.0f"),
    "success": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
st.plotly_chart(px.box(tokens_per_answer(log), x="route", y="tokens", color="route", color_discrete_map=colours,
                       points="all", title="Tokens per answer, by route"), key="usage-tokens")

st.subheader("Cost per answer")
instance_column, input_column, output_column = st.columns(3)
names = list(settings.instance_prices)
instance = instance_column.selectbox("GPU instance", names, index=names.index(settings.gpu_instance),
                                     format_func=lambda n: f"{n} (${settings.instance_prices[n]:.3f}/h)")
api_in = input_column.number_input("API $ per 1K prompt tokens", value=settings.api_input_price, min_value=0.0,
                                   step=0.0005, format="%.4f")
api_out = output_column.number_input("API $ per 1K completion tokens", value=settings.api_output_price,
                                     min_value=0.0, step=0.001, format="%.4f")
prices = Prices(settings.instance_prices[instance], api_in, api_out)
own, api = cost_per_question(figures, prices)
own_column, api_column, free_column = st.columns(3)
own_column.metric("Self-hosted, per question", f"${own:.5f}", help="Model seconds × the instance's hourly price")
api_column.metric("Hosted API, per question", f"${api:.5f}", help="The same tokens at the API's prices")
free_column.metric("Answered at zero model cost", f"{figures.free_answers:,}", help="Rules and cache answers")
if figures.model_answers == 0:
    st.caption("No answer used a model yet, so there are no measured tokens or model seconds to price.")

breakeven = break_even_volume(figures, prices)
top = int(max(10_000, (breakeven or 0) * 2))
volumes = [round(top * step / 20) for step in range(21)]
monthly = monthly_costs(figures, prices, volumes).melt("questions per month", var_name="option", value_name="USD")
chart = px.line(monthly, x="questions per month", y="USD", color="option",
                title="Monthly cost against monthly questions (this installation's measured figures)")
st.plotly_chart(chart, key="usage-break-even")
if breakeven:
    st.markdown(f"The instance running all month costs **${prices.instance_per_hour * HOURS_PER_MONTH:,.0f}**; above "
                f"**{breakeven:,.0f} questions a month** it is cheaper than sending the same questions to the API.")
