"""Usage & cost: first the planner that answers when a GPU of one's own beats a hosted API (it works before
any traffic and sharpens with it), then how this installation is used, how fast and well it answers, and
what its answers cost. All arithmetic is the engine's (``nlq.planner``, ``nlq.costs``)."""

from __future__ import annotations

from dataclasses import replace

import plotly.express as px
import streamlit as st

from nlq.access import visible_users
from nlq.benchmark import last_run, saved_path
from nlq.costs import (
    Prices,
    api_cost,
    day_axis,
    latency_by_route,
    questions_per_day,
    route_colours,
    route_mix,
    self_hosted_cost,
    tokens_per_answer,
    usage_figures,
)
from nlq.planner import DAYS_PER_MONTH, cost_curves, days_spanned, hourly, money, plan, prefill
from ui.state import app, app_store, current_user

shared = app()
settings = shared.settings
user = current_user()
st.title("Usage & cost")
log = app_store(shared).log.entries(limit=1_000_000, users=visible_users(user))
if not user.is_admin:
    st.caption("Your own questions only; admins see everyone's.")

start = prefill(log, settings)
given = start.inputs
st.subheader("Cost planner: your own GPU or a hosted API?")
st.caption(f"Prefilled from {start.source}. Change any input; a month is 30 days. The same report in a "
           "terminal: `python -m nlq costs`.")
first, second, third = st.columns(3)
names = list(settings.instance_prices)
instance = first.selectbox("GPU instance", names, index=names.index(settings.gpu_instance), key="planner-instance",
                           format_func=lambda n: f"{n} ({hourly(settings.instance_prices[n])})")
hours = second.slider("Hours a day the GPU runs", 1, 24, int(given.gpu_hours_per_day), key="planner-hours",
                      help="24: always on; fewer: started for working hours only")
ops = third.number_input("Operations a month, USD", min_value=0.0, value=given.ops_per_month, step=10.0,
                         key="planner-ops", help="Monitoring, storage, someone's time (NLQ_OPS_PER_MONTH)")
per_day = first.number_input("Questions a day", min_value=0.0, value=float(round(given.questions_per_day, 1)),
                             step=100.0, format="%.0f", key="planner-questions")
free = second.slider("Answered without a model", 0, 100, round(given.free_share * 100), format="%d%%",
                     key="planner-free", help="Verified answers, rules or the cache: no model call, no cost")
seconds = third.number_input("GPU seconds per model question", min_value=0.0, value=given.model_seconds,
                             step=0.5, key="planner-seconds",
                             help="Sets how many questions one GPU answers in its hours; 0: no limit")
pricing = st.radio("Hosted API priced", ["per question", "per token"], horizontal=True, key="planner-pricing",
                   index=0 if given.api_per_question is not None else 1)
if pricing == "per question":
    flat = st.number_input("Hosted API, USD a question", min_value=0.0, value=given.api_per_question or
                           given.api_each, step=0.001, format="%.4f", key="planner-api-question")
    inputs = replace(given, api_per_question=flat)
else:
    tokens_in, tokens_out, price_in, price_out = st.columns(4)
    inputs = replace(given, api_per_question=None, prompt_tokens=tokens_in.number_input(
        "Prompt tokens per model question", min_value=0.0, value=given.prompt_tokens, step=100.0,
        key="planner-prompt-tokens"), completion_tokens=tokens_out.number_input(
        "Completion tokens per model question", min_value=0.0, value=given.completion_tokens, step=10.0,
        key="planner-completion-tokens"), api_input_per_1k=price_in.number_input(
        "API $ per 1K prompt tokens", min_value=0.0, value=given.api_input_per_1k, step=0.0005, format="%.4f",
        key="planner-price-in"), api_output_per_1k=price_out.number_input(
        "API $ per 1K completion tokens", min_value=0.0, value=given.api_output_per_1k, step=0.001,
        format="%.4f", key="planner-price-out"))
inputs = replace(inputs, gpu_per_hour=settings.instance_prices[instance], gpu_hours_per_day=hours,
                 ops_per_month=ops, questions_per_day=per_day, free_share=free / 100, model_seconds=seconds)
report = plan(inputs)

for option, column in zip(report.options, st.columns(4), strict=True):
    gpus = f" on {option.instances} GPUs" if option.instances > 1 else ""
    column.metric(f"{option.name}, a month", money(option.monthly), help=f"{option.model_calls:,.0f} model calls"
                  f" a month{gpus}")
    column.metric(f"{option.name}, per question", money(option.per_question))
if report.break_even is None:
    st.markdown("**Break-even: never** — at these prices the hosted API is cheaper at any volume.")
else:
    st.metric("Break-even", f"{report.break_even:,.0f} questions a month",
              help=f"{report.break_even / DAYS_PER_MONTH:,.0f} questions a day: above it the own GPU is cheaper")
chart = px.line(cost_curves(inputs), x="questions per month", y="USD", color="option",
                title="Monthly cost against monthly questions", labels={"USD": "USD a month"})
chart.for_each_trace(lambda trace: trace.update(line_dash="dash") if trace.name.startswith("Hybrid") else None)
if report.break_even is not None:
    chart.add_vline(x=report.break_even, line_dash="dot", annotation_text=f"break-even {report.break_even:,.0f}")
chart.add_vline(x=report.monthly_questions, line_dash="dash", line_color="gray", annotation_text="your volume",
                annotation_position="bottom right")
st.plotly_chart(chart, key="planner-chart")

st.subheader("Model server benchmark")
bench = last_run(saved_path(settings))
if bench is None:
    st.caption("No benchmark yet. Run `python -m nlq bench-model` to time this model server with nlq's own "
               "prompts, one question at a time and 4 and 16 at once; the last run shows here.")
else:
    st.caption(bench.caption)
    st.dataframe(bench.rows, hide_index=True, key="bench-levels")
    if bench.estimated:
        st.caption("The server reported no token counts: output tokens are estimated as characters / 4.")

st.subheader("Usage")
if log.empty:
    st.info("No questions yet: the figures below fill in as people ask, and the planner above starts from "
            "this installation's own averages once a model has answered.", icon=":material/payments:")
    st.stop()

figures = usage_figures(log)
colours = route_colours()
first, second, third, fourth = st.columns(4)
first.metric("Questions", f"{figures.questions:,}")
second.metric("Answered", f"{figures.answered_share:.0%}")
third.metric("Without a model", f"{figures.free_share:.0%}",
             help="Answered from a verified answer, by rules or from the cache")
fourth.metric("Tokens per model answer", f"{figures.tokens_per_model_answer:,.0f}")

per_day_frame = questions_per_day(log)
per_day_chart = px.bar(per_day_frame, x="day", y="questions", color="route", color_discrete_map=colours,
                       title="Questions per day")
st.plotly_chart(per_day_chart.update_xaxes(**day_axis(per_day_frame["day"])), key="usage-per-day")
mix_column, latency_column = st.columns(2)
mix_column.plotly_chart(px.pie(route_mix(log), names="route", values="questions", color="route",
                               color_discrete_map=colours, title="Route mix"), key="usage-mix")
latency_column.markdown("**Latency and success per route** (milliseconds)")
latency = latency_by_route(log)
latency_column.dataframe(
    latency.style.map(lambda route: f"color: {colours.get(route, 'inherit')}; font-weight: 600", subset=["route"]),
    hide_index=True, column_config={
        "p50": st.column_config.NumberColumn(format="%.0f"), "p95": st.column_config.NumberColumn(format="%.0f"),
        "success": st.column_config.NumberColumn(format="percent")})
if figures.model_answers:
    st.plotly_chart(px.box(tokens_per_answer(log), x="route", y="tokens", color="route",
                           color_discrete_map=colours, points="all", title="Tokens per answer, by route"),
                    key="usage-tokens")
else:
    st.caption("**Tokens per answer:** no answer used a model yet; rules and cache answers use no tokens.")

st.subheader("Measured cost per answer")
prices = Prices(inputs.gpu_per_hour, inputs.api_input_per_1k, inputs.api_output_per_1k)
own_column, api_column, free_column = st.columns(3)
own_column.metric("Measured GPU time, per model answer", money(self_hosted_cost(
    figures.model_seconds_per_model_answer, prices)), help="Model seconds × the instance's hourly price: "
    "the marginal cost, with the GPU busy on nothing else")
api_column.metric("Same tokens at the API, per model answer", money(api_cost(
    figures.prompt_tokens_per_model_answer, figures.completion_tokens_per_model_answer, prices)),
    help="The measured prompt and completion tokens at the API's per-1K prices")
free_column.metric("Answered at zero model cost", f"{figures.free_answers:,}", help="Verified, rules and cache answers")
measured_monthly = figures.questions / days_spanned(log) * DAYS_PER_MONTH
if figures.model_answers == 0:
    st.caption("No answer used a model yet, so there are no measured tokens or model seconds to price.")
st.markdown(f"This installation answers about **{measured_monthly:,.0f} questions a month** at its pace so far"
            + ("." if report.break_even is None else f"; the planner's break-even is "
               f"**{report.break_even:,.0f}**."))
