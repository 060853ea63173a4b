"""Schema linking on real schemas: the 11 defog databases on PostgreSQL and a generated 312-table schema."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from nlq.database import Database
from nlq.linking import LinkingIndex, link_schema, rank_tables, words
from nlq.schema import SchemaInfo, inspect_schema
from tests.support import big_schema, defog
from tests.support.linking_eval import evaluate

DEFAULT_BUDGET = 3000


@pytest.fixture(scope="module")
def defog_schemas(defog_urls: dict[str, str]) -> Iterator[dict[str, SchemaInfo]]:
    schemas = {}
    for name, url in defog_urls.items():
        database = Database(url)
        schemas[name] = inspect_schema(database)
        database.dispose()
    yield schemas


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[SchemaInfo, list[big_schema.Question]]:
    url, questions = big_schema.build(tmp_path_factory.mktemp("big") / "big.sqlite")
    database = Database(url)
    schema = inspect_schema(database)
    database.dispose()
    return schema, questions


def test_all_defog_databases_load_with_their_tables(defog_schemas: dict[str, SchemaInfo]) -> None:
    assert len(defog_schemas) == 11
    assert all(schema.tables for schema in defog_schemas.values())
    assert defog_schemas["ewallet"].default_schema == "consumer_div"


def test_defog_questions_keep_their_tables(defog_schemas: dict[str, SchemaInfo]) -> None:
    cases = [(defog_schemas[q.database], q.question, q.tables) for q in defog.questions()]
    assert len(cases) >= 200
    assert evaluate(cases, DEFAULT_BUDGET).recall == 1.0
    tight = evaluate(cases, 800)  # far below what these schemas need whole: linking has to choose
    assert tight.recall >= 0.95, tight.misses
    assert tight.p95_prompt_tokens <= 800 + 400


def test_generated_schema_recall_and_prompt_size(generated: tuple[SchemaInfo, list]) -> None:
    schema, questions = generated
    assert len(schema.tables) >= 300
    report = evaluate([(schema, q.question, q.tables) for q in questions], DEFAULT_BUDGET)
    assert report.recall >= 0.95, report.misses[:5]
    assert report.median_prompt_tokens <= 2000


def test_small_schemas_go_in_whole(defog_schemas: dict[str, SchemaInfo]) -> None:
    linked = link_schema(defog_schemas["broker"], "anything at all", DEFAULT_BUDGET)
    assert linked.complete and len(linked.tables) == len(defog_schemas["broker"].tables)


def test_bridge_tables_are_brought_along(defog_schemas: dict[str, SchemaInfo]) -> None:
    academic = defog_schemas["academic"]
    linked = link_schema(academic, "Which authors have written papers in the domain Machine Learning?", 250)
    assert {"author", "domain", "domain_author"} <= set(linked.tables)


def test_earlier_tables_stay_for_follow_ups(generated: tuple[SchemaInfo, list]) -> None:
    schema, _ = generated
    linked = link_schema(schema, "now by month", 1000, must_include=("sales_order", "customer"))
    assert linked.tables[:2] == ("sales_order", "customer")


@pytest.mark.parametrize(("text", "expected"), [
    ("sbCustomerName", {"sb", "customer", "name"}),
    ("order_lines", {"order", "line"}),
    ("Which categories were offered?", {"which", "were", "category", "offer"}),
])
def test_words_split_names_and_stem(text: str, expected: set[str]) -> None:
    assert words(text) == expected


def test_synonyms_and_sample_values_count(tmp_path: Path, demo_dir: Path) -> None:
    database = Database(f"sqlite:///{demo_dir / 'demo.sqlite'}")
    schema = inspect_schema(database)
    database.dispose()
    scores = rank_tables(schema, "Which clients buy the most in Europe?")
    assert scores["customers"] > 0, "clients is a synonym of customers"
    assert scores["regions"] > scores["product_categories"], "'Europe' is a sample value of regions.name"


# -- A realistic big schema around a real one (issue 13): archives, summaries, staging copies, look-alikes. ------

@pytest.fixture(scope="module")
def chinook_among_distractors() -> tuple[SchemaInfo, LinkingIndex]:
    from nlq.rules import read_values
    from tests.support import chinook
    from tests.support.distractors import surround

    database = Database(chinook.sqlite_url())
    real = inspect_schema(database)
    values = read_values(database, real, 30.0)
    database.dispose()
    schema = surround(real, total=300)
    return schema, LinkingIndex(schema, values=values)


@pytest.mark.parametrize(("question", "needed"), [
    ("total sales 2023", {"Invoice"}),  # money columns answer to "sales"; Invoice_archive_2019 does not win
    ("How many songs did we sell in 2024?", {"InvoiceLine", "Invoice"}),
    ("Which customers live in Paris?", {"Customer"}),  # a value names its table
    ("revenue by genre", {"InvoiceLine", "Track", "Genre"}),  # the joins between come along
    ("Who is the oldest employee?", {"Employee"}),  # "who" asks for a person's table
])
def test_the_real_tables_win_over_their_look_alikes(chinook_among_distractors: tuple, question: str,
                                                    needed: set[str]) -> None:
    schema, index = chinook_among_distractors
    assert len(schema.tables) == 300
    linked = index.link(question, DEFAULT_BUDGET)
    assert needed <= set(linked.tables), linked.tables
    assert linked.tokens <= 2000  # never padded with unrelated tables
    assert not any("archive" in t or t.startswith("stg_") for t in linked.tables[:3])


def test_nothing_matching_brings_the_hubs_not_the_alphabet(chinook_among_distractors: tuple) -> None:
    _, index = chinook_among_distractors
    linked = index.link("xyzzy plugh", DEFAULT_BUDGET)
    assert "Invoice" in linked.tables or "Track" in linked.tables
    assert len(linked.tables) <= 6
