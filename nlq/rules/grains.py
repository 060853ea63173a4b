"""SQL for time: a period's bounds as date literals, and a readable label per time grain, per dialect."""

from __future__ import annotations

from datetime import date

from sqlglot import exp


def grain_expression(dialect: str, unit: str, column: exp.Expr) -> exp.Expr:
    """A readable period label per row: 2024, '2024-Q3', '2024-07', the Monday of the week, the day."""
    def call(name: str, *args: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this=name, expressions=list(args))

    text = exp.Literal.string
    if dialect == "postgres":
        if unit == "year":
            return exp.cast(exp.Extract(this=exp.var("YEAR"), expression=column), "INT")
        if unit == "week":
            return exp.cast(call("DATE_TRUNC", text("week"), column), "DATE")
        if unit == "day":
            return exp.cast(column, "DATE")
        return call("TO_CHAR", column, text({"quarter": 'YYYY-"Q"Q', "month": "YYYY-MM"}[unit]))
    if unit == "year":
        return exp.cast(call("STRFTIME", text("%Y"), column), "INT")
    if unit == "quarter":
        month = exp.cast(call("STRFTIME", text("%m"), column), "INT")
        number = exp.Paren(this=exp.Div(this=exp.Paren(this=exp.Add(this=month, expression=exp.Literal.number(2))),
                                        expression=exp.Literal.number(3), typed=True))  # integer division
        return exp.DPipe(this=exp.DPipe(this=call("STRFTIME", text("%Y"), column), expression=text("-Q")),
                         expression=number)
    if unit == "month":
        return call("STRFTIME", text("%Y-%m"), column)
    if unit == "week":
        return call("DATE", column, text("weekday 0"), text("-6 days"))
    return call("DATE", column)


def _date_literal(day: date) -> exp.Literal:
    return exp.Literal.string(day.isoformat())


def date_literal(day: date) -> exp.Literal:
    return exp.Literal.string(day.isoformat())


def number_date_literal(day: date) -> exp.Expr:
    """A day as the number some databases keep it as: 2018-01-15 is 20180115."""
    return exp.Literal.number(day.year * 10000 + day.month * 100 + day.day)
