import pytest

from nlq.extract import extract_sql

CASES = [
    ("```sql\nSELECT 1;\n```", "SELECT 1"),
    ("Here you go:\n```\nselect a from t\n```\nThis sums things.", "select a from t"),
    ("```postgresql\nSELECT 2\n```", "SELECT 2"),
    ("SELECT x FROM t;", "SELECT x FROM t"),
    ("Sure! The query is:\n\nSELECT x\nFROM t\n\nIt counts rows.", "SELECT x\nFROM t"),
    ('{"sql": "select 1"}', "select 1"),
    ('```json\n{"query": "select 4"}\n```', "select 4"),
    ("<think>maybe select nope</think>\n```sql\nselect 2\n```", "select 2"),
    ("```SELECT 3```", "SELECT 3"),
    ("WITH a AS (SELECT 1) SELECT * FROM a", "WITH a AS (SELECT 1) SELECT * FROM a"),
    ("```sql\nSELECT 1; DROP TABLE t;\n```", "SELECT 1; DROP TABLE t"),  # kept whole: vetting refuses it
    ("I cannot answer that from this schema.", None),
    ("", None),
    ("```sql\n\n```", None),
]


@pytest.mark.parametrize(("reply", "expected"), CASES)
def test_extract_sql(reply: str, expected: str | None) -> None:
    assert extract_sql(reply) == expected


def test_structured_reply_without_sql_gives_its_reason() -> None:
    from nlq.extract import explanation

    reply = '{"sql": "", "reason": "There is no weather table."}'
    assert extract_sql(reply) is None
    assert explanation(reply) == "There is no weather table."
    assert explanation("plain words") == "plain words"
    assert extract_sql('{"sql": "```sql\\nSELECT 1\\n```"}') == "SELECT 1"
