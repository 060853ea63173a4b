"""Functions a query may call, per dialect. An allowlist: a function nobody listed is refused.

Listed: aggregates, window and ordered-set functions, math, text, date and time, conditionals, JSON,
arrays. Deliberately absent: anything that sleeps, locks, writes (sequences, large objects, settings),
reads files or server state (``pg_read_file``, ``current_setting``, ``version``, ``inet_*``), or runs SQL
given as text (``query_to_xml``, ``ts_stat``, ``dblink``, ``crosstab``). Names are compared after the
parser has decoded quoting and escapes, in the case the database resolves them.
"""

from __future__ import annotations

AGGREGATES = {
    "count", "sum", "avg", "min", "max", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop",
    "var_samp", "string_agg", "array_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or", "bit_xor",
    "corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept", "regr_r2", "regr_count", "regr_avgx",
    "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy", "percentile_cont", "percentile_disc", "mode",
    "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "any_value", "range_agg",
}
WINDOW = {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
          "first_value", "last_value", "nth_value"}
# Not factorial: factorial(100000) is a number of 456,574 digits from one literal.
MATH = {
    "abs", "ceil", "ceiling", "floor", "round", "trunc", "sqrt", "cbrt", "power", "pow", "exp", "ln", "log",
    "log10", "mod", "sign", "pi", "degrees", "radians", "div", "width_bucket", "gcd", "lcm",
    "random", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "scale", "min_scale", "trim_scale",
}
TEXT = {
    "length", "char_length", "character_length", "octet_length", "bit_length", "lower", "upper", "initcap",
    "trim", "btrim", "ltrim", "rtrim", "substr", "substring", "left", "right", "position", "strpos",
    "replace", "translate", "concat", "concat_ws", "split_part", "regexp_replace", "regexp_match",
    "regexp_matches", "regexp_split_to_array", "regexp_split_to_table", "regexp_count", "regexp_like",
    "regexp_substr", "regexp_instr", "starts_with", "reverse", "format", "to_char", "to_number", "lpad",
    "rpad", "repeat", "ascii", "chr", "md5", "quote_ident", "quote_literal", "quote_nullable", "overlay",
    "normalize", "unistr", "string_to_array", "string_to_table", "to_hex", "encode", "decode",
    "like_escape", "similar_to_escape", "similar_escape",  # what LIKE … ESCAPE and SIMILAR TO are parsed into
}
DATES = {
    "now", "date_trunc", "date_part", "extract", "age", "make_date", "make_time", "make_timestamp",
    "make_timestamptz", "make_interval", "date_bin", "justify_days", "justify_hours", "justify_interval",
    "to_date", "to_timestamp", "clock_timestamp", "statement_timestamp", "transaction_timestamp",
    "timezone", "isfinite", "date_add", "date_subtract", "date",
}
JSON = {
    "to_json", "to_jsonb", "json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array",
    "json_object", "jsonb_object", "json_extract_path", "json_extract_path_text", "jsonb_extract_path",
    "jsonb_extract_path_text", "json_array_length", "jsonb_array_length", "json_each", "jsonb_each",
    "json_each_text", "jsonb_each_text", "json_array_elements", "jsonb_array_elements",
    "json_array_elements_text", "jsonb_array_elements_text", "json_object_keys", "jsonb_object_keys",
    "json_typeof", "jsonb_typeof", "jsonb_set", "jsonb_insert", "jsonb_pretty", "jsonb_strip_nulls",
    "json_strip_nulls", "row_to_json", "array_to_json", "jsonb_path_query", "jsonb_path_query_array",
    "jsonb_path_query_first", "jsonb_path_exists", "jsonb_path_match", "json_populate_record",
    "jsonb_populate_record", "json_to_record", "jsonb_to_record", "json_to_recordset", "jsonb_to_recordset",
}
ARRAYS = {
    "array_length", "cardinality", "unnest", "array_to_string", "array_position", "array_positions",
    "array_append", "array_prepend", "array_cat", "array_remove", "array_replace", "array_upper",
    "array_lower", "array_dims", "array_ndims", "generate_series", "generate_subscripts",
}
CONDITIONAL = {"coalesce", "nullif", "greatest", "least", "num_nulls", "num_nonnulls"}

POSTGRES = frozenset(AGGREGATES | WINDOW | MATH | TEXT | DATES | JSON | ARRAYS | CONDITIONAL)

SQLITE = frozenset(
    AGGREGATES | WINDOW | MATH | CONDITIONAL
    | {"length", "lower", "upper", "trim", "ltrim", "rtrim", "substr", "substring", "replace", "instr",
       "printf", "format", "char", "hex", "unhex", "unicode", "quote", "like", "glob", "concat", "concat_ws",
       "group_concat", "total", "ifnull", "iif", "if", "typeof", "date", "time", "datetime", "julianday",
       "unixepoch", "strftime", "timediff", "median", "generate_series", "octet_length", "sign",
       "json", "json_array", "json_object", "json_extract", "json_array_length", "json_type", "json_valid",
       "json_group_array", "json_group_object", "json_each", "json_tree", "json_quote", "jsonb",
       "likelihood", "likely", "unlikely", "repeat", "lpad", "rpad"}
)

BY_DIALECT = {"postgres": POSTGRES, "sqlite": SQLITE}

# Functions whose size argument is bounded (index of that argument): they can make huge values from nothing.
# They may not nest either (repeat(repeat(x, 10000), 10000) is 10^8 characters).
SIZE_ARGUMENTS = {"repeat": 1, "lpad": 1, "rpad": 1, "zeroblob": 0, "randomblob": 0}
# Functions whose format template (first argument) can set a field width.
FORMATTERS = {"format", "printf"}


def allowed_functions(dialect: str) -> frozenset[str]:
    """Other dialects get the SQL-standard core (the PostgreSQL set without its own extras)."""
    return BY_DIALECT.get(dialect, frozenset(AGGREGATES | WINDOW | MATH | CONDITIONAL | TEXT & SQLITE))
